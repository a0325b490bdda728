# matrix.py — multiply 80x80 int matrices stored as rows of lists,
# keeping each entry to 16 bits; 32 rounds.
N = 80


def new_matrix(seed):
    m = []
    for i in range(N):
        row = []
        for j in range(N):
            row.append((i * j + seed) % 100)
        m.append(row)
    return m


a, b, c = new_matrix(1), new_matrix(7), new_matrix(0)
check = 0
for rnd in range(32):
    for i in range(N):
        for j in range(N):
            s = 0
            for k in range(N):
                s = s + a[i][k] * b[k][j]
            c[i][j] = s & 65535
    for i in range(N):
        for j in range(N):
            check = (check + c[i][j] * (i + 1)) % 1000003
    a, c = c, a
print(check)
