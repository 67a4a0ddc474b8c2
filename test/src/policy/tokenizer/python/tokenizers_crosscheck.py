"""One-off cross-check of glimpse's tokenizer.json against Hugging Face's Rust `tokenizers`
(not run by the test suite; needs `pip install tokenizers`).

  1. in TypeScript: `await writeTokenizerFolder(DIR)`, `tok = await loadTokenizer(DIR)`, then
     write DIR/cases.json = [{"t": text, "ids": tok.encode(text)}, ...] for the test strings
  2. python tokenizers_crosscheck.py DIR
"""
import json, sys, unicodedata
from tokenizers import Tokenizer

d = sys.argv[1]
tk = Tokenizer.from_file(f"{d}/tokenizer.json")
cases = json.load(open(f"{d}/cases.json"))
bad = 0
for c in cases:
    ids = tk.encode(c["t"], add_special_tokens=False).ids
    if ids != c["ids"]:
        bad += 1
        print("MISMATCH", repr(c["t"]), ids, c["ids"])
    if tk.decode(ids, skip_special_tokens=False) != unicodedata.normalize("NFC", c["t"]):
        bad += 1
        print("DECODE", repr(c["t"]))
print("cases", len(cases), "mismatches", bad)
