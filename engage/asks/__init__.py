"""The coalition's asks: what it wants recommending states to recommend to Kenya in a UPR cycle, and what the review made of them."""
