; exit: 70
; getf past the slots of a pool whose slots are only numbered.
.pool pair slots=2 blocks=1
.func main
    pool_malloc pair
    getf 2
    ret
.end
