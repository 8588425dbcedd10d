#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the shared test vectors and the specification's examples.

Usage: python3 fuzz/seed_corpus.py [path/to/devlink3.json]
(default: ../shared/vectors/devlink3.json beside the repository, or $DEVLINK3_VECTORS).
The corpus directories are git-ignored; libFuzzer adds what it finds to them.
"""

import hashlib
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "shared", "vectors", "devlink3.json")

# The answered, ringing and dial-tone Details with the lost Party field restored
# (spec-errata.md §2), plus the other Delta3 record kinds.
DELTA3 = [
    "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call><PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,"
    ",,,,,01707123456,100</PartyA><PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,"
    "100</PartyB></Detail>",
    "<Detail>\n  <Call>\n    c0a82a03,3,,,,0,,200,,200,\n  </Call>\n  <PartyA>\n0a82a0300002329,1,19,1,2,0,1,0,0,2,2,"
    "5.23,,0,0,5678,,,,,,01707123456,100\n  </PartyA>\n  <Target_list>\n    <Target>\nc0a82a03000003fe,0,0,8,106,,"
    "4002,0,4,,,200,901707123456,100\n    </Target>\n    <Target>\nc0a82a03000003ff,0,0,8,106,,4003,0,4,,,200,"
    "901707123456,100\n    </Target>\n  </Target_list>\n</Detail>",
    "<Detail><Call>c0a82a03,1,,,,0,,,,,</Call><PartyA>c0a82a03000003ea,1,7,1,3,0,0,0,1,8,106,,4001,0,0,,,,,,,4001,"
    "100,5,\"Smith, John\",c0a82a03000003eb</PartyA></Detail>",
    "<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>",
    "<LinkLost>c0a82a03,c0a82a0300000413,0,126,1234,5.23</LinkLost>",
    "<AttemptReject>c0a82a03,c0a82a0300000413,4001,dnd,5678</AttemptReject>",
]


def write(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def payload_of(frame):
    if frame[1] & 0x80:
        return frame[4:]
    return frame[3:]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DEVLINK3_VECTORS", DEFAULT)
    with open(path) as f:
        vectors = json.load(f)
    frames = []
    for section in ("packets", "events"):
        for case in vectors[section]:
            frames.append(bytes.fromhex(case["hex"]))
    for case in vectors.get("sha1_challenge", []) + vectors.get("plain_challenge", []):
        frames.append(bytes.fromhex(case["response_packet"]))
    for frame in frames:
        write("event", payload_of(frame))
    stream = b"".join(frames)
    for seed in range(4):
        write("deframer", struct.pack("<Q", seed * 0x9E3779B97F4A7C15 % 2**64) + stream)
    for frame in frames:
        write("deframer", struct.pack("<Q", len(frame)) + frame)
    for text in DELTA3:
        write("delta3", text.encode())
    for case in vectors["events"]:
        for t in case["expect"]["tuples"]:
            if t["tag"] == "0x00760001":
                write("delta3", t["text"].encode())
    print("seeded", ", ".join(f"{t}: {len(os.listdir(os.path.join(HERE, 'corpus', t)))}" for t in ("deframer", "event", "delta3")))


if __name__ == "__main__":
    main()
