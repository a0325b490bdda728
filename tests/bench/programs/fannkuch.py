# fannkuch.py — the Benchmarks Game's fannkuch-redux, n = 9 (0-based lists).
def main():
    n = 9
    perm, perm1, count = [0] * n, list(range(n)), [0] * (n + 1)
    r, maxflips, checksum, permcount = n, 0, 0, 0
    while True:
        while r != 1:
            count[r] = r
            r = r - 1
        perm[:] = perm1
        flips = 0
        k = perm[0]
        while k != 0:
            lo, hi = 0, k
            while lo < hi:
                perm[lo], perm[hi] = perm[hi], perm[lo]
                lo = lo + 1
                hi = hi - 1
            flips = flips + 1
            k = perm[0]
        if flips > maxflips:
            maxflips = flips
        if permcount % 2 == 0:
            checksum = checksum + flips
        else:
            checksum = checksum - flips
        while True:
            if r == n:
                print(f"{checksum}\nPfannkuchen({n}) = {maxflips}")
                return
            perm0 = perm1[0]
            for i in range(r):
                perm1[i] = perm1[i + 1]
            perm1[r] = perm0
            count[r + 1] = count[r + 1] - 1
            if count[r + 1] > 0:
                break
            r = r + 1
        permcount = permcount + 1


main()
