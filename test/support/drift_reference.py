"""What scipy and numpy (Debian's) say for drift test cases, following Evidently's definitions.

Reads {"cases": [...], "kstwo": [[n, x], ...]} as JSON on stdin; writes {"cases": [...], "kstwo": [...]}.
"""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance


def binned(ref, cur, numeric, fill, bins=None):
    ref = np.asarray(ref)
    cur = np.asarray(cur)
    if numeric and len(np.unique(ref)) > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=bins if bins else "sturges")
        p = np.histogram(ref, edges)[0] / len(ref)
        q = np.histogram(cur, edges)[0] / len(cur)
    else:
        keys = sorted(set(ref.tolist()) | set(cur.tolist()), key=str)
        rc = {k: 0 for k in keys}
        cc = {k: 0 for k in keys}
        for v in ref.tolist():
            rc[v] += 1
        for v in cur.tolist():
            cc[v] += 1
        p = np.array([rc[k] / len(ref) for k in keys])
        q = np.array([cc[k] / len(cur) for k in keys])
    if fill:
        for a in (p, q):
            m = min(a[a != 0])
            np.place(a, a == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return p, q


def hellinger(ref, cur, numeric):
    ref = np.asarray(ref)
    cur = np.asarray(cur)
    keys = list(set(ref.tolist()) | set(cur.tolist()))
    if not numeric:
        rc = {}
        cc = {}
        for v in ref.tolist():
            rc[v] = rc.get(v, 0) + 1 / len(ref)
        for v in cur.tolist():
            cc[v] = cc.get(v, 0) + 1 / len(cur)
        bc = sum(np.sqrt(rc.get(k, 0) * cc.get(k, 0)) for k in keys)
    else:
        bins = np.histogram_bin_edges(keys, bins="sturges")
        h1 = np.histogram(ref, bins=bins, density=True)[0]
        h2 = np.histogram(cur, bins=bins, density=True)[0]
        width = (max(bins) - min(bins)) / (len(bins) - 1)
        bc = sum(np.sqrt(h1[i] * h2[i]) * width for i in range(len(h1)))
    return float(np.sqrt(1 - np.clip(bc, 0, 1)))


def one(case):
    t, ref, cur, numeric = case["test"], case["ref"], case["cur"], case["numeric"]
    if t == "ks":
        r = stats.ks_2samp(ref, cur)
        return [float(r.statistic), float(r.pvalue)]
    if t == "wasserstein":
        return [float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)), None]
    if t == "chisquare":
        keys = sorted(set(ref) | set(cur), key=str)
        k = len(cur) / len(ref)
        f_exp = [ref.count(key) * k for key in keys]
        f_obs = [cur.count(key) for key in keys]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = stats.chisquare(f_obs, f_exp)
        return [float(r.statistic), float(r.pvalue)]
    if t == "z":
        keys = sorted(set(ref) | set(cur))
        if len(set(ref)) == 1 and len(set(cur)) == 1 and ref[0] == cur[0]:
            return [0.0, 1.0]
        a = np.array([0 if x == keys[0] else 1 for x in ref])
        b = np.array([0 if x == keys[0] else 1 for x in cur])
        n1, n2 = len(a), len(b)
        p1, p2 = float(sum(a)) / n1, float(sum(b)) / n2
        P = float(p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
        return [float(z), float(2 * (1 - stats.norm.cdf(np.abs(z))))]
    if t == "jensenshannon":
        p, q = binned(ref, cur, numeric, False)
        return [float(distance.jensenshannon(p, q)), None]
    if t == "kl_div":
        p, q = binned(ref, cur, numeric, True)
        return [float(stats.entropy(p, q)), None]
    if t == "psi":
        p, q = binned(ref, cur, numeric, True, 10)
        return [float(np.sum((p - q) * np.log(p / q))), None]
    if t == "hellinger":
        return [hellinger(ref, cur, numeric), None]
    raise ValueError(t)


def main():
    req = json.load(sys.stdin)
    out = {"cases": [one(c) for c in req["cases"]], "kstwo": [float(stats.kstwo.sf(x, n)) for n, x in req["kstwo"]]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
