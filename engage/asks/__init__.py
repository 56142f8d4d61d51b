"""The coalition's asks: what it wants states to recommend to Kenya, and what the review made of them."""
