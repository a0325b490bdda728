# binary_trees.py — the Benchmarks Game's binary-trees: make a perfect tree, then count its nodes.
import sys


def make(depth):
    # Every node is allocated, leaves too, as in the Lua and poolvm programs
    # (a literal (None, None) would be one shared constant).
    if depth == 0:
        return [None, None]
    depth = depth - 1
    return [make(depth), make(depth)]


def check(node):
    left, right = node
    if left is None:
        return 1
    return 1 + check(left) + check(right)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    max_depth = 6 if n < 6 else n
    stretch = max_depth + 1
    print(f"stretch tree of depth {stretch}\t check: {check(make(stretch))}")
    long_lived = make(max_depth)
    for d in range(4, max_depth + 1, 2):
        iterations = 2 ** (max_depth - d + 4)
        c = 0
        for _ in range(iterations):
            c = c + check(make(d))
        print(f"{iterations}\t trees of depth {d}\t check: {c}")
    print(f"long lived tree of depth {max_depth}\t check: {check(long_lived)}")


main()
