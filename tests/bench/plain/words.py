# words.py — build lines word by word with concatenation, then scan each
# line byte by byte, cutting out every word and comparing it with a target.
count = 0
total = 0
for r in range(120000):
    line = ""
    for j in range(12):
        line = line + "w" + str((r + j * j) % 97) + " "
    n = len(line)
    i = 0
    while i < n:
        start = i
        while ord(line[i]) != 32:
            i += 1
        w = line[start:i]
        if w == "w42":
            count += 1
        total += ord(w[len(w) - 1])
        i += 1
print(count)
print(total)
