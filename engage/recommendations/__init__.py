"""UPR recommendations and their themes, the records themselves: meetings put them on agendas and
outcomes record positions on them, so they sit below both; engage.upr (pages, import, target
planning) builds on them from above (docs/architecture.md, "Layers")."""
