# heap.py — a binary min-heap in one array: push 30,000 pseudo-random
# ints (Park-Miller), pop them all checking the order; 24 rounds.
heap = [0] * 30000
size = 0


def push(v):
    global size
    i = size
    size = size + 1
    heap[i] = v
    while i > 0:
        p = (i - 1) // 2
        if heap[p] <= v:
            break
        heap[i] = heap[p]
        i = p
    heap[i] = v


def pop():
    global size
    top = heap[0]
    size = size - 1
    v = heap[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c = c + 1
        if v <= heap[c]:
            break
        heap[i] = heap[c]
        i = c
    heap[i] = v
    return top


x = 42
check = 0
bad = 0
for rnd in range(24):
    for i in range(1, 30001):
        x = (x * 16807) % 2147483647
        push(x % 300000)
    last = -1
    for i in range(1, 30001):
        v = pop()
        if v < last:
            bad += 1
        last = v
        check = (check + v * (i % 7)) % 300003
print(check)
print(bad)
