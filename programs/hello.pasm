; hello.pasm — the smallest program: print a string constant and exit 0.
.func main
    push "Hello, world!"
    print
    push 0
    ret
.end
