"""Request plumbing shared by every page: sessions, security, errors, forms, template helpers."""
