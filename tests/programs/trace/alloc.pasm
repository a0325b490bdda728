; flags: --trace=alloc --pool cons=4 --pool str=4 --pool frame=4
; One line per allocation and free, frames included.
.func pair a b
    load a
    load b
    cons
    ret
.end

.func main
.local p
    push 1
    push 2
    call pair
    store p
    load p
    pool_free
    push 0
    ret
.end
