# sieve.py — sieve of Eratosthenes below 2,000,000 in one list, 10 rounds.
def main():
    N = 2000000
    count = 0
    for _ in range(10):
        composite = [False] * (N + 1)
        i = 2
        while i * i < N:
            if not composite[i]:
                for j in range(i * i, N, i):
                    composite[j] = True
            i = i + 1
        count = 0
        for k in range(2, N):
            if not composite[k]:
                count = count + 1
    print(count)


main()
