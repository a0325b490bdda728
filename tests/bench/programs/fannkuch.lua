-- fannkuch.lua — the Benchmarks Game's fannkuch-redux, n = 9 (1-based arrays).
local n = 9
local perm, perm1, count = {}, {}, {}
for i = 1, n do perm1[i] = i - 1 end
local r, maxflips, checksum, permcount = n, 0, 0, 0
while true do
  while r ~= 1 do count[r] = r; r = r - 1 end
  for i = 1, n do perm[i] = perm1[i] end
  local flips = 0
  local k = perm[1]
  while k ~= 0 do
    local lo, hi = 1, k + 1
    while lo < hi do
      perm[lo], perm[hi] = perm[hi], perm[lo]
      lo = lo + 1; hi = hi - 1
    end
    flips = flips + 1
    k = perm[1]
  end
  if flips > maxflips then maxflips = flips end
  if permcount % 2 == 0 then checksum = checksum + flips else checksum = checksum - flips end
  while true do
    if r == n then
      io.write(checksum, "\nPfannkuchen(", n, ") = ", maxflips, "\n")
      return
    end
    local perm0 = perm1[1]
    for i = 1, r do perm1[i] = perm1[i + 1] end
    perm1[r + 1] = perm0
    count[r + 1] = count[r + 1] - 1
    if count[r + 1] > 0 then break end
    r = r + 1
  end
  permcount = permcount + 1
end
