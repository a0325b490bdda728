; physics.pasm — five bodies (x, y, z, vx, vy, vz, mass: 7-slot records)
; attracting each other, advanced 240,000 steps; prints the energy scaled to an int.
.pool body slots=7 blocks=5
.pool bodies slots=5 blocks=1
.global all

.func make_body x y z vx vy vz mass
.local b
    pool_malloc body
    store b
    load b
    load x
    setf 0
    load b
    load y
    setf 1
    load b
    load z
    setf 2
    load b
    load vx
    setf 3
    load b
    load vy
    setf 4
    load b
    load vz
    setf 5
    load b
    load mass
    setf 6
    load b
    ret
.end

.func energy
.local e i j b c dx dy dz
    push 0.0
    store e
    push 0
    store i
outer:
    load i
    push 5
    lt
    jz done
    gload all
    load i
    geti
    store b
    load e
    push 0.5
    load b
    getf 6
    mul
    load b
    getf 3
    load b
    getf 3
    mul
    load b
    getf 4
    load b
    getf 4
    mul
    add
    load b
    getf 5
    load b
    getf 5
    mul
    add
    mul
    add
    store e
    load i
    push 1
    add
    store j
inner:
    load j
    push 5
    lt
    jz inner_done
    gload all
    load j
    geti
    store c
    load b
    getf 0
    load c
    getf 0
    sub
    store dx
    load b
    getf 1
    load c
    getf 1
    sub
    store dy
    load b
    getf 2
    load c
    getf 2
    sub
    store dz
    load e
    load b
    getf 6
    load c
    getf 6
    mul
    load dx
    load dx
    mul
    load dy
    load dy
    mul
    add
    load dz
    load dz
    mul
    add
    sqrt
    div
    sub
    store e
    load j
    push 1
    add
    store j
    jmp inner
inner_done:
    load i
    push 1
    add
    store i
    jmp outer
done:
    load e
    ret
.end

.func advance dt
.local i j b c dx dy dz d2 mag bm cm
    push 0
    store i
outer:
    load i
    push 5
    lt
    jz moved
    gload all
    load i
    geti
    store b
    load i
    push 1
    add
    store j
inner:
    load j
    push 5
    lt
    jz inner_done
    gload all
    load j
    geti
    store c
    load b
    getf 0
    load c
    getf 0
    sub
    store dx
    load b
    getf 1
    load c
    getf 1
    sub
    store dy
    load b
    getf 2
    load c
    getf 2
    sub
    store dz
    load dx
    load dx
    mul
    load dy
    load dy
    mul
    add
    load dz
    load dz
    mul
    add
    store d2
    load dt
    load d2
    load d2
    sqrt
    mul
    div
    store mag
    load b
    getf 6
    load mag
    mul
    store bm
    load c
    getf 6
    load mag
    mul
    store cm
    load b
    load b
    getf 3
    load dx
    load cm
    mul
    sub
    setf 3
    load b
    load b
    getf 4
    load dy
    load cm
    mul
    sub
    setf 4
    load b
    load b
    getf 5
    load dz
    load cm
    mul
    sub
    setf 5
    load c
    load c
    getf 3
    load dx
    load bm
    mul
    add
    setf 3
    load c
    load c
    getf 4
    load dy
    load bm
    mul
    add
    setf 4
    load c
    load c
    getf 5
    load dz
    load bm
    mul
    add
    setf 5
    load j
    push 1
    add
    store j
    jmp inner
inner_done:
    load i
    push 1
    add
    store i
    jmp outer
moved:
    push 0
    store i
move:
    load i
    push 5
    lt
    jz done
    gload all
    load i
    geti
    store b
    load b
    load b
    getf 0
    load dt
    load b
    getf 3
    mul
    add
    setf 0
    load b
    load b
    getf 1
    load dt
    load b
    getf 4
    mul
    add
    setf 1
    load b
    load b
    getf 2
    load dt
    load b
    getf 5
    mul
    add
    setf 2
    load i
    push 1
    add
    store i
    jmp move
done:
    push nil
    ret
.end

.func main
.local s
    pool_malloc bodies
    gstore all
    gload all
    push 0
    push 0.0
    push 0.0
    push 0.0
    push 0.0
    push 0.0
    push 0.0
    push 39.47
    call make_body
    seti
    gload all
    push 1
    push 4.84
    push -1.16
    push -0.1
    push 0.606
    push 2.81
    push -0.02
    push 0.037
    call make_body
    seti
    gload all
    push 2
    push 8.34
    push 4.12
    push -0.4
    push -1.01
    push 1.82
    push 0.008
    push 0.011
    call make_body
    seti
    gload all
    push 3
    push 12.89
    push -15.11
    push -0.22
    push 1.08
    push 0.868
    push -0.01
    push 0.0017
    call make_body
    seti
    gload all
    push 4
    push 15.37
    push -25.91
    push 0.17
    push 0.979
    push 0.594
    push -0.034
    push 0.002
    call make_body
    seti
    call energy
    neg
    push 1000000000.0
    mul
    ftoi
    print
    push 0
    store s
steps:
    push 0.01
    call advance
    pop
    load s
    push 1
    add
    store s
    load s
    push 240000
    lt
    jnz steps
    call energy
    neg
    push 1000000000.0
    mul
    ftoi
    print
    push 0
    ret
.end
