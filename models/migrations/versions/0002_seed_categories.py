"""seed the 创城 categories (事项) of DOMAIN.md §2, after GB/T 47678.5-2026 (verify)

Revision ID: 0002
Revises: 0001

The data lives here, not in app code, so the migration stays reproducible whatever the app
becomes. Limits are working hours on the unit's calendar (a working day is 7 hours:
08:30–12:00 and 14:00–17:30); they are the DOMAIN.md §3 defaults and cities should verify them.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Ids derive from the code so every database seeded by this migration agrees on them.
_NAMESPACE = uuid.UUID("6f1c1f0e-7d4b-4a53-9a57-2f0d3c5e0a11")

GROUPS = {"06": "市容环境", "07": "宣传广告", "08": "施工管理", "09": "街面秩序", "10": "其他"}

# (code, name, name_en, dept_type, tier, limit_hours, icon, common, hint, keywords)
CATEGORIES: list[tuple[str, str, str, str, str, float, str, bool, str, list[str]]] = [
    # 09 街面秩序
    ("09009", "机动车乱停放", "Illegally parked motor vehicle", "traffic_police", "general", 2, "logistics", True,
     "城市施划的停车位内停放的不算；小区内由物业处理", ["乱停车", "违停", "汽车", "占道停车", "机动车"]),
    ("09010", "非机动车乱停放", "Disorderly parked bicycle or e-bike", "city_management", "general", 2,
     "cart-o", True, "私人自行车、电动车；共享单车请选 09011", ["电动车", "自行车", "乱停", "非机动车"]),
    ("09011", "共享单车乱象", "Shared bikes out of order", "bike_operator", "general", 2, "cart-circle-o", True,
     "美团、哈啰、青桔等共享单车乱停乱放、堆积、损坏", ["共享单车", "美团", "哈啰", "青桔", "单车堆积"]),
    ("09006", "占道经营", "Street stall occupying the road", "city_management", "general", 2, "shop-o", True,
     "没有店面的固定摊点占用道路、人行道；流动的摊贩选 09001；店铺把货物摆出门外选 09005",
     ["摆摊", "地摊", "占道", "摊点"]),
    ("09005", "店外经营", "Shop trading outside its front", "city_management", "general", 2, "shop-collect-o",
     True, "店铺把货物、桌椅摆到店门外（出店经营）；没有店面的摊点选 09006 或 09001；城市划线范围内的不算",
     ["出店经营", "门前三包", "店外摆放", "跨门经营"]),
    ("09001", "无照经营游商", "Unlicensed street hawker", "city_management", "general", 2, "bag-o", False,
     "流动摊贩、推车叫卖；固定摊点选 09006；店铺出摊选 09005", ["游商", "流动摊贩", "小贩", "无照经营"]),
    ("09012", "占用消防通道", "Fire lane obstructed", "fire_rescue", "general", 2, "fire-o", True,
     "车辆或杂物堵塞消防通道、消防登高面", ["消防通道", "生命通道", "堵塞"]),
    ("09019", "占用无障碍通道", "Accessible path obstructed", "city_management", "general", 4, "guide-o", False,
     "车辆、摊点、杂物占压盲道或无障碍通道；盲道本身破损选 06051", ["盲道", "占压盲道", "无障碍"]),
    ("09020", "农贸市场秩序问题", "Farmers' market disorder", "market_regulation", "general", 8, "balance-o",
     False, "市场内外乱摆卖、卫生差、无公平秤、证照未公示", ["农贸市场", "菜市场", "公平秤", "市场"]),
    ("09003", "流浪乞讨", "Vagrancy and begging", "civil_affairs", "general", 4, "friends-o", False,
     "流浪、乞讨人员，需要救助站处置", ["乞讨", "流浪", "救助"]),
    # 07 宣传广告
    ("07001", "非法小广告", "Illegal small posters", "sanitation", "general", 4, "description", True,
     "乱张贴、乱涂写、乱刻画的小广告；大幅户外广告选 07003", ["小广告", "乱张贴", "牛皮癣", "办证"]),
    ("07003", "违规户外广告", "Unauthorized outdoor advertising", "city_management", "general", 16, "photo-o",
     False, "未经批准或破损的户外广告牌、横幅、灯箱", ["户外广告", "横幅", "广告牌", "灯箱"]),
    ("07006", "违规牌匾标识", "Non-compliant shop signboard", "city_management", "engineering", 40, "label-o",
     False, "店招牌匾破损、残缺、不规范", ["牌匾", "店招", "招牌"]),
    ("07008", "公益性宣传品缺损", "Public-service ad damaged or missing", "civilization_office", "general", 16,
     "flag-o", True, "公益广告破损、褪色、缺失（主干道每 200 米至少一处）", ["公益广告", "宣传栏", "文明宣传"]),
    # 06 市容环境
    ("06001", "私搭乱建", "Illegal construction", "city_management", "special", 120, "wap-home-o", False,
     "违法搭建棚屋、围墙、雨篷；分阶段处置：4 小时内停止施工，之后处罚、拆除", ["违建", "违章建筑", "搭建"]),
    ("06004", "建筑物外立面污损", "Building façade defaced", "owner", "engineering", 40, "brush-o", False,
     "外墙乱涂写、污损、破旧；由产权单位整改", ["外立面", "乱涂写", "墙面污损"]),
    ("06007", "沿街晾挂", "Laundry hung along the street", "street_office", "general", 4, "hotel-o", False,
     "临街阳台、树木、护栏上晾晒衣物被褥", ["晾晒", "晾挂", "衣物"]),
    ("06008", "擅自架设管线", "Unauthorized overhead wiring", "city_management", "general", 16, "cluster-o",
     False, "飞线、私拉电线、飞线充电", ["飞线", "飞线充电", "私拉电线", "管线"]),
    ("06010", "暴露垃圾", "Exposed rubbish", "sanitation", "general", 4, "delete-o", True,
     "地面上零散的垃圾、垃圾袋；垃圾桶装满溢出选 06042；长期堆积的大堆垃圾渣土选 06011",
     ["垃圾", "暴露垃圾", "垃圾袋", "乱扔"]),
    ("06011", "积存垃圾渣土", "Accumulated rubbish or spoil", "sanitation", "general", 8, "delete", False,
     "长期堆积的大量垃圾、建筑渣土；零散垃圾选 06010；垃圾桶满溢选 06042", ["渣土", "积存垃圾", "建筑垃圾"]),
    ("06012", "道路不洁", "Dirty road surface", "sanitation", "general", 4, "brush-o", True,
     "路面、人行道有污渍、积水、泥土、油污", ["路面脏", "道路不洁", "清扫", "污渍"]),
    ("06013", "道路破损", "Damaged road", "municipal", "engineering", 70, "warning-o", False,
     "路面坑洼、塌陷、人行道板松动缺失", ["坑洼", "路面破损", "塌陷", "人行道"]),
    ("06017", "绿地脏乱", "Littered green space", "landscaping", "general", 8, "flower-o", False,
     "绿地、花坛内有垃圾、杂物", ["绿地", "花坛", "绿化带"]),
    ("06029", "露天烧烤", "Open-air barbecue", "city_management", "general", 2, "fire", False,
     "占道露天烧烤、油烟扰民", ["烧烤", "油烟", "露天烧烤"]),
    ("06036", "乱堆杂物", "Clutter piled in public space", "city_management", "general", 4, "bag", True,
     "乱堆物料、杂物、废旧家具；店门前的由门前三包责任人清理", ["乱堆", "杂物", "堆物堆料"]),
    ("06041", "垃圾未分类", "Rubbish not sorted", "city_management", "general", 8, "filter-o", False,
     "垃圾投放点未分类、混投混运", ["垃圾分类", "混投", "分类"]),
    ("06042", "垃圾站(箱)满溢", "Overflowing bin or transfer station", "sanitation", "general", 2, "delete",
     True, "垃圾桶、垃圾箱、垃圾站装满溢出；地面零散垃圾选 06010；大堆积存选 06011",
     ["满溢", "垃圾桶", "垃圾箱", "垃圾站"]),
    ("06045", "非法占绿毁绿", "Green space occupied or destroyed", "landscaping", "general", 16, "flower-o",
     False, "踩踏、侵占、毁坏绿地和树木", ["毁绿", "占绿", "砍树", "踩踏"]),
    ("06051", "盲道缺损", "Tactile paving damaged", "municipal", "engineering", 40, "guide-o", True,
     "盲道砖缺失、破损、不连续；盲道被占压选 09019", ["盲道", "盲道砖", "缺损"]),
    ("06052", "无障碍坡道破损", "Accessible ramp damaged", "municipal", "engineering", 40, "guide-o", False,
     "无障碍坡道破损、缺失、被阻断", ["无障碍", "坡道", "轮椅"]),
    # 08 施工管理
    ("08004", "工地扬尘", "Construction-site dust", "housing_construction", "general", 8, "cluster",
     False, "工地裸土未覆盖、未洒水降尘、车辆带泥上路", ["扬尘", "工地", "裸土", "降尘"]),
    ("08007", "施工工地围挡问题", "Construction hoarding defect", "housing_construction", "engineering", 40,
     "shield-o", False, "围挡破损、缺失、不连续或未设公益广告", ["围挡", "工地", "施工"]),
    ("08011", "渣土运输车辆未密闭", "Uncovered spoil truck", "city_management", "general", 4, "logistics",
     False, "渣土车未密闭、沿路抛洒", ["渣土车", "抛洒", "未密闭"]),
]
# Group 10 其他 has no seeded item: admins add local ones there (tests/factories.py mints 10xxx codes).

_category = sa.table(
    "category",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("name_en", sa.String()),
    sa.column("group_code", sa.String()),
    sa.column("group_name", sa.String()),
    sa.column("dept_type", sa.String()),
    sa.column("tier", sa.String()),
    sa.column("limit_hours", sa.Float()),
    sa.column("needs_verification", sa.Boolean()),
    sa.column("needs_recheck", sa.Boolean()),
    sa.column("icon", sa.String()),
    sa.column("common", sa.Boolean()),
    sa.column("hint", sa.String()),
    sa.column("keywords", sa.JSON().with_variant(JSONB(), "postgresql")),
    sa.column("sort_order", sa.Integer()),
    sa.column("active", sa.Boolean()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def rows() -> list[dict]:
    now = datetime.now(UTC)
    out = []
    for i, (code, name, name_en, dept, tier, hours, icon, common, hint, keywords) in enumerate(CATEGORIES):
        out.append({
            "id": uuid.uuid5(_NAMESPACE, code), "code": code, "name": name, "name_en": name_en,
            "group_code": code[:2], "group_name": GROUPS[code[:2]], "dept_type": dept, "tier": tier,
            "limit_hours": float(hours),
            # Every seeded item is a campaign item: public reports are verified (核实) and the
            # fix re-checked on site (核查).
            "needs_verification": True, "needs_recheck": True,
            "icon": icon, "common": common, "hint": hint, "keywords": keywords,
            "sort_order": (i + 1) * 10, "active": True, "updated_at": now,
        })
    return out


def upgrade() -> None:
    op.bulk_insert(_category, rows())


def downgrade() -> None:
    codes = [c[0] for c in CATEGORIES]
    op.execute(_category.delete().where(_category.c.code.in_(codes)))
