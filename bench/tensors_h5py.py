"""Baseline of bench:tensors: what SALT's loader does with a SALT file, for the same rows.

Each timed run opens the file (as openTensors does) and reads every row. For each batch of rows: h5py read_direct of every group into a preallocated structured buffer
holding only the fields used (SALT's sub-dtype read), then numpy: stack the fields as float32,
(x - mean) / std with the norm dict, padded slots set to 0 (SALT does this inside the model, in
float32). Prints JSON: the wall and CPU seconds of every run, events and a checksum.

  /usr/bin/python3 bench/tensors_h5py.py FILE NORM_JSON BATCH REPEATS [check]

With "check", the checksum is the float64 sum of every output value (else one value per batch).
"""
import json
import sys
import time

import h5py
import numpy as np


def main():
    path, norm_json, batch, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    full_check = len(sys.argv) > 5 and sys.argv[5] == "check"
    norm = json.loads(norm_json)
    runs = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        f = h5py.File(path, "r")
        groups = []
        for name, fields in norm.items():
            ds = f[name]
            has_valid = ds.ndim == 2 and "valid" in ds.dtype.names
            used = list(fields) + (["valid"] if has_valid else [])
            if ds.ndim == 1 and "flavour_label" in ds.dtype.names:
                used.append("flavour_label")
            dtype = np.dtype([(k, ds.dtype[k]) for k in used])
            mean = np.array([fields[k]["mean"] for k in fields], dtype=np.float32)
            std = np.array([fields[k]["std"] for k in fields], dtype=np.float32)
            groups.append((ds, list(fields), dtype, mean, std, has_valid))
        n = len(groups[0][0])
        check = 0.0
        buffers = [np.empty((batch,) + ds.shape[1:], dtype=dtype) for ds, _, dtype, _, _, _ in groups]
        for start in range(0, n, batch):
            stop = min(n, start + batch)
            for (ds, fields, dtype, mean, std, has_valid), buf in zip(groups, buffers):
                if stop - start != batch:
                    buf = np.empty((stop - start,) + ds.shape[1:], dtype=dtype)
                ds.read_direct(buf, np.s_[start:stop])
                x = np.stack([buf[k].astype(np.float32) for k in fields], axis=-1)
                x = (x - mean) / std
                if has_valid:
                    x[~buf["valid"]] = 0
                check += float(x.sum(dtype=np.float64)) if full_check else float(x.flat[5])
        f.close()
        runs.append({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0})
    print(json.dumps({"runs": runs, "events": n, "check": check}))


main()
