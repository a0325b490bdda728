; exit: 70
; A slot past the last field, through geti: the error names the fields.
.pool body fields=x,y,z,vx,vy,vz,mass blocks=5
.func main
.local b
    pool_malloc body
    pop
    pool_malloc body
    store b
    load b
    push 7
    geti
    ret
.end
