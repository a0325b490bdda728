-- physics.lua — five bodies (x, y, z, vx, vy, vz, mass) attracting each
-- other, advanced 240,000 steps; prints the energy scaled to an int.
local function body(x, y, z, vx, vy, vz, mass)
  return {x = x, y = y, z = z, vx = vx, vy = vy, vz = vz, mass = mass}
end
local bodies = {
  body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 39.47),
  body(4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.037),
  body(8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011),
  body(12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017),
  body(15.37, -25.91, 0.17, 0.979, 0.594, -0.034, 0.002),
}
local n = #bodies
local function energy()
  local e = 0.0
  for i = 1, n do
    local b = bodies[i]
    e = e + 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz)
    for j = i + 1, n do
      local c = bodies[j]
      local dx = b.x - c.x
      local dy = b.y - c.y
      local dz = b.z - c.z
      e = e - b.mass * c.mass / math.sqrt(dx * dx + dy * dy + dz * dz)
    end
  end
  return e
end
local function advance(dt)
  for i = 1, n do
    local b = bodies[i]
    for j = i + 1, n do
      local c = bodies[j]
      local dx = b.x - c.x
      local dy = b.y - c.y
      local dz = b.z - c.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * math.sqrt(d2))
      local bm = b.mass * mag
      local cm = c.mass * mag
      b.vx = b.vx - dx * cm
      b.vy = b.vy - dy * cm
      b.vz = b.vz - dz * cm
      c.vx = c.vx + dx * bm
      c.vy = c.vy + dy * bm
      c.vz = c.vz + dz * bm
    end
  end
  for i = 1, n do
    local b = bodies[i]
    b.x = b.x + dt * b.vx
    b.y = b.y + dt * b.vy
    b.z = b.z + dt * b.vz
  end
end
print(math.floor(-energy() * 1000000000.0))
for s = 1, 240000 do advance(0.01) end
print(math.floor(-energy() * 1000000000.0))
