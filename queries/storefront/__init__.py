"""The customer storefront: server-rendered pages that read the read models and write through command handlers."""
