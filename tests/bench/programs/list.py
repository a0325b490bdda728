# list.py — build a 300,000-element cons list, reverse it, sum it, drop it; 10 times.
def main():
    total = 0
    for _ in range(10):
        l = None
        for i in range(300000):
            l = (i, l)
        r = None
        while l is not None:
            r = (l[0], r)
            l = l[1]
        s, p = 0, r
        while p is not None:
            s = s + p[0]
            p = p[1]
        total = total + s
        r = None
    print(total)


main()
