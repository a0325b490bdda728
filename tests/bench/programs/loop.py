# loop.py — sum of i*i mod 7 for i below 90,000,000.
def main():
    s = 0
    for i in range(90000000):
        s = s + i * i % 7
    print(s)


main()
