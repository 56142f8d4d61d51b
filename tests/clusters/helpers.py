"""Recommendations of several cycles that make the same demands, for the cluster tests."""
from tests.factories import make_recommendation

# (cycle, reference, states, text, response): three demands recurring over cycles 1–4, and others.
RECOMMENDATIONS = [
    (1, "101.3", ["DK"], "Ratify the Optional Protocol to the Convention against Torture", "noted"),
    (2, "142.7", ["CZ", "EE"], "Ratify the Optional Protocol to the Convention against Torture (OPCAT)", "noted"),
    (3, "143.12", ["GH"], "Consider ratifying the Optional Protocol to the Convention against Torture", "supported"),
    (4, "140.5", ["UY"], "Ratify promptly the Optional Protocol to the Convention against Torture", "pending"),
    (1, "101.40", ["NO"], "Increase the share of the national budget allocated to health towards the Abuja target",
     "supported"),
    (3, "143.90", ["BW"], "Increase the health budget to reach the Abuja Declaration target of 15 per cent", "supported"),
    (4, "140.77", ["MW"], "Allocate 15 per cent of the national budget to health, in line with the Abuja Declaration",
     "pending"),
    (2, "142.30", ["FR"], "Abolish the death penalty and ratify the Second Optional Protocol to the ICCPR", "noted"),
    (4, "140.12", ["IT"], "Abolish the death penalty in law and commute all death sentences", "pending"),
    (4, "140.99", ["JP"], "Improve road safety through better traffic policing", "pending"),
]


def make_history() -> dict[str, object]:
    """The recommendations above, saved, by "cycle/reference" ("4/140.5")."""
    made = {}
    for cycle, reference, states, text, response in RECOMMENDATIONS:
        made[f"{cycle}/{reference}"] = make_recommendation(
            themes=(), cycle=cycle, reference=reference, recommending_states=states, text=text, response=response)
    return made
