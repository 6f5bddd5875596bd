"""Checks an HDF5 file written by sxflow the way SALT reads it (h5py + numpy).

Usage: check_h5.py spec.json. The spec names the file and, per dataset, its fields with the
raw little-endian bytes sxflow was given (struct-of-arrays), the expected shape, filters and
attributes, and the row slices to read. Prints one JSON object; "errors" lists every mismatch.
"""
import json
import sys

import h5py
import numpy as np

NUMPY = {
    "bool": "?", "int8": "<i1", "uint8": "<u1", "int16": "<i2", "uint16": "<u2", "int32": "<i4",
    "uint32": "<u4", "int64": "<i8", "uint64": "<u8", "float16": "<f2", "float32": "<f4", "float64": "<f8",
}
SOURCE = dict(NUMPY, bool="<u1")


def expected_column(field):
    raw = np.fromfile(field["bin"], dtype=field.get("source", SOURCE[field["type"]]))
    if field["type"] == "bool":
        return raw != 0
    # float16 from float32 input: numpy's own conversion is the reference.
    with np.errstate(over="ignore", invalid="ignore"):
        return raw.astype(NUMPY[field["type"]])


def same(a, b):
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a.view("u%d" % a.dtype.itemsize), b.view("u%d" % b.dtype.itemsize))
    return np.array_equal(a, b)


def main():
    spec = json.load(open(sys.argv[1]))
    errors = []
    out = {"datasets": {}}
    mode = spec.get("mode", "r")
    with h5py.File(spec["file"], mode) as f:
        # len() goes through the attribute-info message, not through reading by name.
        if len(f.attrs) != len(spec.get("attrs", {})):
            errors.append("root: %d attributes, expected %d" % (len(f.attrs), len(spec.get("attrs", {}))))
        for k, v in spec.get("attrs", {}).items():
            got = f.attrs[k]
            if isinstance(v, list):
                got = list(got.tolist()) if hasattr(got, "tolist") else list(got)
            elif hasattr(got, "item"):
                got = got.item()
            if got != v or type(got) != type(v):
                errors.append("root attr %s: %r (%s) != %r" % (k, got, type(got).__name__, v))
        for ds in spec["datasets"]:
            d = f[ds["name"]]
            want = np.dtype([(x["name"], NUMPY[x["type"]]) for x in ds["fields"]])
            if d.dtype != want:
                errors.append("%s: dtype %s != %s" % (ds["name"], d.dtype, want))
            objects = ds.get("objects")
            rows = ds["rows"]
            shape = (rows,) if objects is None else (rows, objects)
            if d.shape != shape:
                errors.append("%s: shape %s != %s" % (ds["name"], d.shape, shape))
            if d.maxshape != (None,) + shape[1:]:
                errors.append("%s: maxshape %s" % (ds["name"], d.maxshape))
            comp = ds.get("compression")
            if d.compression != comp:
                errors.append("%s: compression %r != %r" % (ds["name"], d.compression, comp))
            if bool(d.shuffle) != bool(ds.get("shuffle", False)):
                errors.append("%s: shuffle %r" % (ds["name"], d.shuffle))
            if ds.get("chunks") and d.chunks != tuple(ds["chunks"]):
                errors.append("%s: chunks %r != %r" % (ds["name"], d.chunks, ds["chunks"]))
            if len(d.attrs) != len(ds.get("attrs", {})):
                errors.append("%s: %d attributes, expected %d" % (ds["name"], len(d.attrs), len(ds.get("attrs", {}))))
            for k, v in ds.get("attrs", {}).items():
                got = d.attrs[k]
                got = list(got.tolist()) if hasattr(got, "tolist") and isinstance(v, list) else got
                if got != v:
                    errors.append("%s attr %s: %r != %r" % (ds["name"], k, got, v))
            cols = {x["name"]: expected_column(x).reshape(shape) for x in ds["fields"]}
            if ds.get("full", True):
                data = d[...]
                for name, exp in cols.items():
                    if not same(data[name], exp):
                        errors.append("%s.%s: full read differs" % (ds["name"], name))
            for a, b in ds.get("slices", []):
                part = d[a:b]
                for name, exp in cols.items():
                    if not same(part[name], exp[a:b]):
                        errors.append("%s.%s: slice [%d:%d] differs" % (ds["name"], name, a, b))
            # What SALT's dataloader does: read_direct of a row range into a structured buffer of
            # the fields it wants, then invert `valid` for the padding mask.
            if "valid" in cols and rows > 0:
                a, b = ds.get("salt_slice", [0, min(rows, 1000)])
                sub = np.dtype([(n, d.dtype[n]) for n in d.dtype.names])
                batch = np.empty((b - a,) + shape[1:], dtype=sub)
                d.read_direct(batch, source_sel=np.s_[a:b])
                mask = ~batch["valid"]
                if mask.dtype != np.bool_ or not np.array_equal(mask, ~cols["valid"][a:b]):
                    errors.append("%s: ~valid is %s, not the boolean padding mask" % (ds["name"], mask.dtype))
                out["datasets"][ds["name"]] = {"masked": int(mask.sum())}
    out["errors"] = errors
    print(json.dumps(out))


main()
