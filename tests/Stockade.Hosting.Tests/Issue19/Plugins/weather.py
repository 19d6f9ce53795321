# Issue 19: a script plugin declaring the typed contract eco.weather through the Python helper. The version it declares
# is read from contract-version.txt beside it (so a test can change it and reload), and hostile.txt, when present, adds
# contract entries a host must ignore (a terminal escape, a wrong type, an overlong name, more than 64 entries).
import os

import stockade

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "contract-version.txt")) as f:
    version = int(f.read().strip())

contracts = {"eco.weather": version}
if os.path.exists(os.path.join(here, "hostile.txt")):
    contracts["eco.\x1b[31mred"] = 2
    contracts["eco.text"] = 1
    contracts["x" * 300] = 1
    for i in range(70):
        contracts["eco.many-%02d" % i] = i

plugin = stockade.Plugin(contracts=contracts)
if os.path.exists(os.path.join(here, "hostile.txt")):
    plugin._contracts["eco.text"] = "2"  # a version that is not a number: past the helper's own check, as a raw writer would send

sent = {"forecast": 0}


@plugin.method("forecast")
def forecast(input):
    sent["forecast"] += 1
    if input["city"] == "bad-shape":
        return {"city": 5, "days": "none"}
    return {"city": input["city"], "days": [{"day": d, "highC": 20.5 + d, "summary": "python"} for d in range(input["days"])]}


@plugin.method("stations")
def stations():
    return ["python-station"]


@plugin.method("sent")
def sent_count():
    return sent["forecast"]


if __name__ == "__main__":
    plugin.run()
