"""The permanent archive: a request's whole record as a verified BagIt bag."""

from daemon.archive.bag import ArchiveError, Item, bag_path, verify_bag, write_bag
from daemon.archive.collect import Collected, filing_date, info_for, items_for

__all__ = ["ArchiveError", "Collected", "Item", "bag_path", "filing_date", "info_for", "items_for",
           "verify_bag", "write_bag"]
