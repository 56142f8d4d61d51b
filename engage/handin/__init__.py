"""Reports to hand in: the coalition's mid-term report and the stakeholder submission's annex, made from the assessments."""
