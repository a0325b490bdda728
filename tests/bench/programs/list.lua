-- list.lua — build a 300,000-element cons list, reverse it, sum it, drop it; 10 times.
local total = 0
for _ = 1, 10 do
  local l = nil
  for i = 0, 300000 - 1 do l = { i, l } end
  local r = nil
  while l do r = { l[1], r }; l = l[2] end
  local s, p = 0, r
  while p do s = s + p[1]; p = p[2] end
  total = total + s
  r = nil
end
print(total)
