"""Deterministic price lists in the shop1.yaml schema, for benchmarks and tests.

python bench/pricelist_generator.py 100000 > goods.yaml
python bench/pricelist_generator.py 1000 --format json --seed 7 > goods.json
"""

import argparse
import json
import random
import sys
from typing import Any

import yaml

CATEGORIES = [
    "Смартфоны",
    "Аксессуары",
    "Flash-накопители",
    "Телевизоры",
    "Ноутбуки",
    "Планшеты",
    "Мониторы",
    "Наушники",
    "Колонки",
    "Фотоаппараты",
    "Видеокамеры",
    "Принтеры",
    "Роутеры",
    "Клавиатуры",
    "Мыши",
    "Игровые приставки",
    "Умные часы",
    "Электронные книги",
    "Жёсткие диски",
    "Кабели",
]
BRANDS = ["Apple", "Samsung", "Xiaomi", "Sony", "LG", "Huawei", "Lenovo", "Asus", "HP", "Philips"]
COLORS = ["черный", "белый", "красный", "синий", "золотистый", "серебристый", "зелёный"]
PARAMETERS = [
    ("Диагональ (дюйм)", lambda rng: round(rng.uniform(4, 85), 1)),
    ("Разрешение (пикс)", lambda rng: rng.choice(["1920x1080", "2688x1242", "3840x2160"])),
    ("Встроенная память (Гб)", lambda rng: rng.choice([32, 64, 128, 256, 512])),
    ("Цвет", lambda rng: rng.choice(COLORS)),
    ("Вес (г)", lambda rng: rng.randint(50, 5000)),
    ("Гарантия (мес)", lambda rng: rng.choice([6, 12, 24, 36])),
    ("Smart TV", lambda rng: rng.choice([True, False])),
    ("Страна", lambda rng: rng.choice(["Китай", "Корея", "Вьетнам", "Япония"])),
]


def generate(goods: int, *, seed: int = 1, shop: str = "Benchmark shop") -> dict[str, Any]:
    """A price list with `goods` goods over 20 categories, 3–6 parameters each."""
    rng = random.Random(seed)
    categories = [{"id": index + 1, "name": name} for index, name in enumerate(CATEGORIES)]
    items = []
    for number in range(goods):
        category = categories[number % len(categories)]
        brand = rng.choice(BRANDS)
        color = rng.choice(COLORS)
        price = rng.randint(100, 300_000)
        parameters = {name: make(rng) for name, make in rng.sample(PARAMETERS, rng.randint(3, 6))}
        items.append(
            {
                "id": 1_000_000 + number,
                "category": category["id"],
                "model": f"{brand.lower()}/model-{number}",
                "name": f"{category['name']} {brand} M{number} ({color})",
                "price": price,
                "price_rrc": price + rng.randint(0, 20_000),
                "quantity": rng.randint(0, 100),
                "parameters": parameters,
            }
        )
    return {"shop": shop, "categories": categories, "goods": items}


def dump(document: dict[str, Any], *, fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        document, Dumper=dumper, allow_unicode=True, sort_keys=False, default_flow_style=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goods", type=int)
    parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shop", default="Benchmark shop")
    args = parser.parse_args()
    sys.stdout.write(dump(generate(args.goods, seed=args.seed, shop=args.shop), fmt=args.format))


if __name__ == "__main__":
    main()
