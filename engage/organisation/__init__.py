"""Who is inviting: the organisation's name, logo and reply address, shown to every recipient."""
