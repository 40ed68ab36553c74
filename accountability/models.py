# Complaints, escalations and public accountability records arrive with the accountability
# issue; the app exists now so that the layout is the one every later change builds on.
