"""The yardstick for bench/lists.py: a bare Flask app answering one small JSON document."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify(hello="world")
