"""One-off cross-check of glimpse's safetensors code against PyTorch (not run by the test suite).

A minimal safetensors reader/writer written from the format spec with struct + json, using
torch for the dtype conversions (float32 -> float16 / bfloat16 rounding).

  /usr/bin/python3 st_crosscheck.py write OUT.safetensors   # torch-made tensors of every dtype
  /usr/bin/python3 st_crosscheck.py read IN.safetensors     # prints name dtype shape values (as float64)
"""
import json, struct, sys
import torch

DT = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
      "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 3, "F16": 4, "BF16": 5, "I32": 6, "F32": 7, "F64": 8, "I64": 9}
NAME = {v: k for k, v in DT.items()}

def raw(t):
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()

def write(path, tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-RANK[NAME[kv[1].dtype]], kv[0]))
    header, off, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        b = raw(t)
        header[name] = {"dtype": NAME[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

def read(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        s, t = e["data_offsets"]
        buf = bytearray(data[base + s: base + t])
        dt = DT[e["dtype"]]
        if dt in (torch.float16, torch.bfloat16):
            x = torch.frombuffer(buf, dtype=torch.int16).view(dt) if len(buf) else torch.empty(0, dtype=dt)
        else:
            x = torch.frombuffer(buf, dtype=dt) if len(buf) else torch.empty(0, dtype=dt)
        out[name] = x.reshape(e["shape"])
    return header.get("__metadata__", {}), out

if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        vals = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.14159265, 65504.0, 65520.0, 1e-8, 6e-8, 1e-5, 1e30, -1e-30,
                             float("inf"), float("-inf"), 0.1, 1.00048828125, 1.0009765625, 3.0e-5], dtype=torch.float32)
        g = torch.Generator().manual_seed(0)
        t = {
            "model.embed_tokens.weight": torch.randn(3, 5, generator=g),
            "f64": torch.randn(2, 2, generator=g, dtype=torch.float64),
            "f16.from_f32": vals.to(torch.float16),
            "bf16.from_f32": vals.to(torch.bfloat16),
            "bf16.rand": torch.randn(4, 3, generator=g).to(torch.bfloat16),
            "i64": torch.tensor([[-(2**40), 7], [0, 2**53]], dtype=torch.int64),
            "i32": torch.tensor([-5, 2**31 - 1], dtype=torch.int32),
            "i16": torch.tensor([-32768, 12], dtype=torch.int16),
            "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
            "u8": torch.tensor([255, 0, 9], dtype=torch.uint8),
            "bool": torch.tensor([True, False, True]),
            "empty": torch.zeros(0, 3),
            "scalar": torch.tensor(2.5),
        }
        write(path, t, {"format": "pt"})
    else:
        meta, ts = read(path)
        print(json.dumps(meta))
        for name in sorted(ts):
            x = ts[name]
            print(name, NAME[x.dtype], list(x.shape), [float(v) for v in x.reshape(-1).to(torch.float64)])
