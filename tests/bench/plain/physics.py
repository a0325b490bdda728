# physics.py — five bodies (x, y, z, vx, vy, vz, mass) attracting each
# other, advanced 240,000 steps; prints the energy scaled to an int.
import math

X, Y, Z, VX, VY, VZ, MASS = range(7)
bodies = [
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 39.47],
    [4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.037],
    [8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011],
    [12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017],
    [15.37, -25.91, 0.17, 0.979, 0.594, -0.034, 0.002],
]
n = len(bodies)


def energy():
    e = 0.0
    for i in range(n):
        b = bodies[i]
        e = e + 0.5 * b[MASS] * (b[VX] * b[VX] + b[VY] * b[VY] + b[VZ] * b[VZ])
        for j in range(i + 1, n):
            c = bodies[j]
            dx = b[X] - c[X]
            dy = b[Y] - c[Y]
            dz = b[Z] - c[Z]
            e = e - b[MASS] * c[MASS] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def advance(dt):
    for i in range(n):
        b = bodies[i]
        for j in range(i + 1, n):
            c = bodies[j]
            dx = b[X] - c[X]
            dy = b[Y] - c[Y]
            dz = b[Z] - c[Z]
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * math.sqrt(d2))
            bm = b[MASS] * mag
            cm = c[MASS] * mag
            b[VX] = b[VX] - dx * cm
            b[VY] = b[VY] - dy * cm
            b[VZ] = b[VZ] - dz * cm
            c[VX] = c[VX] + dx * bm
            c[VY] = c[VY] + dy * bm
            c[VZ] = c[VZ] + dz * bm
    for i in range(n):
        b = bodies[i]
        b[X] = b[X] + dt * b[VX]
        b[Y] = b[Y] + dt * b[VY]
        b[Z] = b[Z] + dt * b[VZ]


print(math.floor(-energy() * 1000000000.0))
for s in range(240000):
    advance(0.01)
print(math.floor(-energy() * 1000000000.0))
