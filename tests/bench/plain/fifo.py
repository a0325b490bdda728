# fifo.py — a FIFO queue as a linked list of two-field records, driven
# through small functions: 4,000,000 enqueues, and a dequeue whenever the
# queue holds more than 100 items.
VALUE, NEXT = 0, 1


def new_queue():
    return [None, None, 0]  # head, tail, size


def enqueue(q, v):
    node = [v, None]
    if q[1] is not None:
        q[1][NEXT] = node
    else:
        q[0] = node
    q[1] = node
    q[2] = q[2] + 1


def dequeue(q):
    node = q[0]
    q[0] = node[NEXT]
    if q[0] is None:
        q[1] = None
    q[2] = q[2] - 1
    return node[VALUE]


def step(q, i):
    enqueue(q, i % 1000)
    if q[2] > 100:
        return dequeue(q)
    return 0


q = new_queue()
total = 0
for i in range(4000000):
    total = total + step(q, i)
while q[2] > 0:
    total = total + dequeue(q)
print(total)
