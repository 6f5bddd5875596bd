"""Reads sxflow's SALT outputs with h5py (as SALT does) and prints them as JSON.

Usage: read_salt.py <file.h5> [<file.h5> ...] [--norm <train.h5>]
For every file: root attributes, and per dataset its shape, field names and dtypes (bool fields
reported as "bool" only when h5py maps them back to numpy bool), attributes and all values.
With --norm: mean and population std in float64 over the valid, non-NaN entries of every field
of the train file, computed directly with numpy (two passes).
"""
import json
import sys

import h5py
import numpy as np


def attr(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [attr(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list):
        return [attr(x) for x in v]
    return v


def values(a):
    if a.dtype.kind == "f":
        a = a.astype(np.float64)
        return [None if np.isnan(x) else float(x) for x in a.reshape(-1)]
    if a.dtype.kind == "u" and a.dtype.itemsize == 8 or a.dtype.kind == "i" and a.dtype.itemsize == 8:
        return [str(x) for x in a.reshape(-1).tolist()]
    return a.reshape(-1).tolist()


def describe(path):
    out = {"attrs": {}, "datasets": {}}
    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            out["attrs"][k] = attr(v)
        for name, ds in f.items():
            data = ds[...]
            fields = {}
            for field in ds.dtype.names:
                dt = ds.dtype[field]
                fields[field] = {"dtype": "bool" if dt == np.dtype(bool) else dt.str, "values": values(data[field])}
            out["datasets"][name] = {
                "shape": list(ds.shape),
                "names": list(ds.dtype.names),
                "fields": fields,
                "attrs": {k: attr(v) for k, v in ds.attrs.items()},
                "chunks": list(ds.chunks) if ds.chunks else None,
            }
    return out


def norm(path):
    out = {}
    with h5py.File(path, "r") as f:
        for name, ds in f.items():
            data = ds[...]
            valid = data["valid"] if "valid" in ds.dtype.names else np.ones(data.shape, dtype=bool)
            out[name] = {}
            for field in ds.dtype.names:
                if field == "valid":
                    continue
                x = data[field][valid].astype(np.float64)
                x = x[~np.isnan(x)]
                mean = x.sum() / len(x) if len(x) else float("nan")
                std = np.sqrt(((x - mean) ** 2).sum() / len(x)) if len(x) else float("nan")
                out[name][field] = {"mean": float(mean), "std": float(std), "count": int(len(x))}
    return out


def main(argv):
    result = {"files": {}}
    i = 0
    while i < len(argv):
        if argv[i] == "--norm":
            result["norm"] = norm(argv[i + 1])
            i += 2
        else:
            result["files"][argv[i]] = describe(argv[i])
            i += 1
    json.dump(result, sys.stdout)


main(sys.argv[1:])
