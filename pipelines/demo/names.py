"""Name pools for the demo district: roads per street, shop names, inspectors, bridges.

All names are invented in the style of old-town Quanzhou (鲤城); none identifies a real person or
business. Every character is encodable in GBK (the complaints export is GBK).
"""

from __future__ import annotations

import random

ROADS = {
    "鲤中街道": ("中山中路", "新华路", "庄府巷", "县后街", "裕丰路", "花巷", "打锡巷", "镇抚巷"),
    "海滨街道": ("涂门街", "义全街", "青龙巷", "聚宝街", "万寿路", "后茂巷", "釜山路"),
    "临江街道": ("江滨北路", "临江街", "凤凰街", "象峰巷", "胭脂巷", "水门巷"),
    "开元街道": ("西街", "新门街", "甲第巷", "状元街", "钟楼巷", "北门街", "旧馆驿"),
    "浮桥街道": ("浮桥街", "笋江路", "王宫路", "黄甲街", "高铁站路", "新桥路"),
    "江南街道": ("江南大街", "紫星路", "亭店路", "高新园路", "新塘路", "乌石路"),
    "金龙街道": ("金山路", "龙宫路", "六灌路", "金龙街", "环山路"),
    "常泰街道": ("常泰路", "杏宅路", "霞洲路", "九一路", "山头路"),
}

SHOP_PREFIX = (
    "阿明", "老许", "阿珍", "闽南", "刺桐", "温陵", "聚宝", "古早味", "侨乡", "金鲤", "西街", "老街",
    "阿英", "清源", "海丝", "东门", "阿福", "惠记", "林记", "陈记", "黄记", "吴记", "老蔡", "阿华",
    "小巷", "古城", "好客", "鸿福", "福满楼", "红砖厝",
)
SHOP_KIND = (
    "面线糊", "牛肉店", "姜母鸭", "土笋冻", "润饼菜", "烧肉粽", "海鲜大排档", "沙县小吃", "拉面馆",
    "炸醋肉", "卤面馆", "扁食店", "四果汤", "茶餐厅", "火锅店", "快餐店", "大酒楼", "小吃店",
    "烧烤店", "粥铺", "包子铺", "猪脚饭", "羊肉馆", "砂锅粥",
)

LPG_PREFIX = ("鲤城", "泉州", "闽燃", "温陵", "南俊", "丰泽", "泉安", "清源", "金福", "华润")

INSPECTORS = (
    "林志明", "陈建华", "黄文杰", "吴晓峰", "蔡国强", "许丽娟", "郑伟东", "王春燕", "李俊杰",
    "张海燕", "洪天佑", "庄雅琳",
)
REPAIR_CREWS = ("路灯所一组", "路灯所二组", "市政养护一队", "市政养护二队", "排水抢修队", "绿化养护队")

BRIDGE_NAMES = (
    "顺济新桥", "笋江大桥", "浮桥", "新华大桥", "晋江大桥", "江滨桥", "临江桥", "聚宝桥",
    "八卦沟一号桥", "八卦沟二号桥", "八卦沟三号桥", "八卦沟四号桥", "八卦沟五号桥", "护城河一号桥",
    "护城河二号桥", "护城河三号桥", "常泰大桥", "金龙桥", "紫星桥", "乌石桥", "江南一号桥",
    "江南二号桥", "霞洲桥", "杏宅桥", "六灌桥",
)


def address(rng: random.Random, street: str) -> str:
    """A house-number address on one of the street's roads, e.g. ``新华路128号``."""
    return f"{rng.choice(ROADS[street])}{rng.randint(1, 399)}号"


def shop_name(rng: random.Random, used: set[str]) -> str:
    """A restaurant name unique within ``used`` (adds a branch number when a name repeats)."""
    base = f"{rng.choice(SHOP_PREFIX)}{rng.choice(SHOP_KIND)}"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}（{n}号店）"
    used.add(name)
    return name
