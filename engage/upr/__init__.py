"""UPR recommendations, themes and recommending states; import; target planning."""
