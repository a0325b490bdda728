# strings.py — build short strings by concatenation and let them go.
def main():
    total = 0
    for i in range(3000000):
        s = "key" + str(i) + ":v"
        total = total + len(s)
    print(total)


main()
