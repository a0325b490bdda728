# tokens.py — a JSON-like tokenizer: builds a 34 KB document (34,320 bytes) piece by
# piece, then scans it byte by byte 320 times, summing numbers, cutting out
# every string and counting those that sort before "m".
piece = ""
for i in range(20):
    piece = piece + "{\"k" + str(i) + "\":[" + str(i * 37) + "," + str(i * i) + "],\"s\":\"" + "abcdefghijklmnopqrstuvwxyz"[i:i + 5] + "\"},"
doc = ""
for i in range(60):
    doc = doc + piece
numbers = 0
strings = 0
before = 0
brackets = 0
for rnd in range(320):
    n = len(doc)
    i = 0
    while i < n:
        c = ord(doc[i])
        if c >= 48 and c <= 57:
            v = 0
            while c >= 48 and c <= 57:
                v = v * 10 + (c - 48)
                i += 1
                c = ord(doc[i])
            numbers += v
        elif c == 34:
            start = i + 1
            i += 1
            while ord(doc[i]) != 34:
                i += 1
            s = doc[start:i]
            strings += 1
            if s < "m":
                before += 1
            i += 1
        else:
            if c == 91 or c == 123:
                brackets += 1
            i += 1
print(numbers)
print(strings)
print(before)
print(brackets)
