"""Documents: letter contexts, docxtpl rendering, numbering, calendar invitations."""
