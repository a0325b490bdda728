# hashtab.py — an open-addressing hash table (linear probing) in one array
# of 2 * 65536 slots, keys and values interleaved; insert 40,000 keys, look
# up each and as many missing ones, clear; 48 rounds.
SIZE = 65536
t = [None] * (2 * SIZE)
found = 0
total = 0
for rnd in range(48):
    for i in range(2 * SIZE):
        t[i] = None
    for i in range(1, 40001):
        k = (i * 7919 + rnd) % 1000003 + 1
        h = (k * 40503) & (SIZE - 1)
        while t[2 * h] is not None and t[2 * h] != k:
            h = (h + 1) & (SIZE - 1)
        t[2 * h] = k
        t[2 * h + 1] = i
    for i in range(1, 80001):
        k = (i * 7919 + rnd) % 1000003 + 1
        h = (k * 40503) & (SIZE - 1)
        while t[2 * h] is not None:
            if t[2 * h] == k:
                found += 1
                total = (total + t[2 * h + 1]) % 1000003
                break
            h = (h + 1) & (SIZE - 1)
print(found)
print(total)
