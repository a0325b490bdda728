; flags: --trace=exec,map --pool str=2 --pool cons=1 --pool frame=1 --pool co=1
; exit: 5
; Field names and constants in the instruction trace and the pool map.
.const START 5
.pool point fields=x,y blocks=3
.func main
.local p
    pool_malloc point
    store p
    load p
    push START
    setf point.y
    load p
    getf point.y
    ret
.end
