"""Generates customers.csv: a synthetic, reproducible customer-churn table for the example notebook,
and customers_recent.csv: this month's customers, drawn differently (newer, more on fiber, dearer,
more missing charges, a contract type that did not exist), for the drift report against the model.

Run with /usr/bin/python3 (Debian's python3-pandas). The churn probability is a logistic function of
the features plus noise, so a classifier can learn it but not perfectly.
"""
import os

import numpy as np
import pandas as pd

ROWS = 2000
rng = np.random.default_rng(7)

tenure = rng.integers(1, 73, ROWS)
contract = rng.choice(["month-to-month", "one-year", "two-year"], ROWS, p=[0.55, 0.25, 0.20])
internet = rng.choice(["dsl", "fiber", "none"], ROWS, p=[0.35, 0.45, 0.20])
monthly = np.round(20 + 40 * (internet == "fiber") + 25 * (internet == "dsl") + rng.normal(15, 8, ROWS), 2)
support_calls = rng.poisson(1.2, ROWS)
paperless = rng.random(ROWS) < 0.6
senior = rng.random(ROWS) < 0.16

logit = (
    -1.2
    - 0.045 * tenure
    + 1.3 * (contract == "month-to-month")
    - 0.9 * (contract == "two-year")
    + 0.6 * (internet == "fiber")
    + 0.018 * (monthly - 60)
    + 0.35 * support_calls
    + 0.3 * paperless
    + 0.25 * senior
    + rng.normal(0, 0.6, ROWS)
)
churned = rng.random(ROWS) < 1 / (1 + np.exp(-logit))

df = pd.DataFrame(
    {
        "customer_id": [f"C{i:05d}" for i in range(ROWS)],
        "tenure_months": tenure,
        "contract": contract,
        "internet_service": internet,
        "monthly_charges": monthly,
        "support_calls": support_calls,
        "paperless_billing": paperless,
        "senior_citizen": senior,
        "churned": churned.astype(int),
    }
)
# A few missing charges, as real exports have, for the notebook to clean.
df.loc[rng.choice(ROWS, 25, replace=False), "monthly_charges"] = np.nan

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "customers.csv")
df.to_csv(out, index=False)
print(f"wrote {len(df)} rows to {out}")

# This month's customers: a generator of their own, so customers.csv stays as it was.
RECENT = 800
rng = np.random.default_rng(8)
tenure = rng.integers(1, 25, RECENT)
contract = rng.choice(["month-to-month", "one-year", "two-year", "monthly-flex"], RECENT, p=[0.55, 0.2, 0.15, 0.1])
internet = rng.choice(["dsl", "fiber", "none"], RECENT, p=[0.2, 0.7, 0.1])
monthly = np.round(28 + 40 * (internet == "fiber") + 25 * (internet == "dsl") + rng.normal(15, 8, RECENT), 2)
support_calls = rng.poisson(1.6, RECENT)
paperless = rng.random(RECENT) < 0.75
senior = rng.random(RECENT) < 0.16
logit = -1.2 - 0.045 * tenure + 1.3 * (contract != "one-year") + 0.6 * (internet == "fiber") + 0.35 * support_calls + rng.normal(0, 0.6, RECENT)
recent = pd.DataFrame(
    {
        "customer_id": [f"C{i:05d}" for i in range(ROWS, ROWS + RECENT)],
        "tenure_months": tenure,
        "contract": contract,
        "internet_service": internet,
        "monthly_charges": monthly,
        "support_calls": support_calls,
        "paperless_billing": paperless,
        "senior_citizen": senior,
        "churned": (rng.random(RECENT) < 1 / (1 + np.exp(-logit))).astype(int),
    }
)
recent.loc[rng.choice(RECENT, 90, replace=False), "monthly_charges"] = np.nan
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "customers_recent.csv")
recent.to_csv(out, index=False)
print(f"wrote {len(recent)} rows to {out}")
