-- strings.lua — build short strings by concatenation and let them go.
local total = 0
for i = 0, 3000000 - 1 do
  local s = "key" .. tostring(i) .. ":v"
  total = total + #s
end
print(total)
