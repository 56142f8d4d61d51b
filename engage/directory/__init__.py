"""The directory: organisations (ministries, missions, UN bodies, CSOs) and the people in them."""
