templates.env.filters["shout"] = lambda text: f"{text.upper()}!"
assert templates.get_template("base.html") is templates.env.get_template("base.html")
