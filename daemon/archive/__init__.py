"""The permanent archive: a request's whole record as a verified BagIt bag."""
