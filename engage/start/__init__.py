"""The signed-in start page and the search across the directory, meetings and recommendations."""
