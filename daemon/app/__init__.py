"""The application: the dispatcher, the service, the command line, the sandbox."""
