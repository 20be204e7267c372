"""Generated names for the synthetic dataset: firms, institutes, people, titles, addresses.

All names are **made up** by combining syllables and words from the small vocabularies below; none is
drawn from a business registry, a patent office or a list of people. A generated firm name such as
``苏州恒芯微电子有限公司`` may by chance equal a real firm's name; the match is coincidental, the record
is fictitious, and every row carries ``synthetic = 1``. The only real names in the dataset are places
(from :mod:`chainatlas.geo`) and the universities of ``geo.universities()``, whose *records* are synthetic.

String assembly is vectorised with ``pyarrow.compute`` over integer choices, so a million names take
well under a second.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainatlas.errors import ConfigError

__all__ = [
    "CHAIN_OBJECTS",
    "CHAIN_WORDS",
    "DIVISION_WORDS",
    "FIELDS",
    "MODIFIERS",
    "NEED_WORDS",
    "PAPER_PATTERNS",
    "PATENT_SUFFIXES",
    "ROADS",
    "ZIHAO",
    "choose",
    "join",
    "person_names",
    "take",
    "unique_names",
]


def _chars(s: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s))  # de-duplicate, keep order


#: Characters of generated trade names (字号); two or three of them form one.
ZIHAO = _chars(
    "恒芯华瑞鑫泰达通宇博睿联创源晟昊凯德信诚安康佳和盛兴汇锦辰星海天云峰嘉润宏远智航迅捷卓越领微光启明亿邦"
    "正方圆辉腾飞扬隆昌裕丰茂美欣悦鼎峻岳川澜涛泽浩淳沁朗晨曦旭阳耀灿烁琪瑾璟珑瑜琳璞策略展拓优尚品格致知行益众"
    "协同力坚毅韧勤敏慧颖灵秀雅逸韵翔骏驰弘毅恺悦铭钧铎锐钰铂凌霄麒麟鸿鹏鹭蔚蓝青松柏桐梓楠榕杉竹兰芷蕴华灏"
)

#: Road names for generated addresses; none contains a place name the geocoder could mistake.
ROADS = (
    "人民路",
    "建设路",
    "解放路",
    "科技路",
    "创新大道",
    "文化路",
    "学府路",
    "青年路",
    "长江路",
    "黄河路",
    "和平路",
    "工业大道",
    "新华路",
    "光明路",
    "复兴路",
    "胜利路",
    "振兴路",
    "发展大道",
    "高新路",
    "金桥路",
    "银河路",
    "星湖街",
    "腾飞路",
    "翠微路",
    "香樟路",
    "梧桐路",
    "枫林路",
    "桂花路",
    "松林路",
    "锦绣路",
    "望江路",
    "迎宾大道",
    "环城东路",
    "环城西路",
    "通达路",
    "园区大道",
    "创业路",
    "智慧大道",
    "科创路",
    "兴业路",
    "富民路",
    "育才路",
    "同心路",
    "未来路",
    "明珠路",
    "朝阳路",
    "阳光大道",
    "丰收路",
    "春晖路",
    "秋实路",
)

#: Industry words of firm names by GB/T 4754 大类 (2-digit division); ``""`` is the fallback.
DIVISION_WORDS: dict[str, tuple[str, ...]] = {
    "": ("实业", "科技", "贸易", "商务", "发展"),
    "01": ("农业", "生态农业"),
    "02": ("林业",),
    "03": ("牧业",),
    "04": ("水产",),
    "05": ("农业服务",),
    "13": ("食品", "粮油"),
    "14": ("食品", "食品科技"),
    "15": ("饮品", "酒业"),
    "17": ("纺织", "织造", "家纺"),
    "18": ("服饰", "服装"),
    "19": ("皮革", "鞋业"),
    "20": ("木业",),
    "21": ("家具", "家居"),
    "22": ("纸业",),
    "23": ("印务", "包装印刷"),
    "24": ("文体用品", "工艺"),
    "25": ("能源", "石化"),
    "26": ("化工", "新材料", "精细化工"),
    "27": ("药业", "制药"),
    "28": ("化纤",),
    "29": ("塑胶", "橡塑"),
    "30": ("建材", "玻璃", "陶瓷"),
    "31": ("钢铁", "特钢"),
    "32": ("金属", "铝业"),
    "33": ("五金", "金属制品"),
    "34": ("机械", "动力", "精密机械"),
    "35": ("装备", "机械设备", "智能装备"),
    "36": ("汽车部件", "汽配"),
    "37": ("船舶", "航空科技", "轨道交通"),
    "38": ("电气", "电器", "光伏"),
    "39": ("电子", "电子科技", "通信"),
    "40": ("仪器", "仪表"),
    "41": ("工艺品",),
    "42": ("再生资源", "环保科技"),
    "43": ("设备维修",),
    "44": ("电力", "新能源"),
    "45": ("燃气",),
    "46": ("水务",),
    "47": ("建设", "建筑工程"),
    "48": ("市政工程", "路桥"),
    "49": ("安装工程",),
    "50": ("装饰工程", "装饰"),
    "51": ("贸易", "商贸", "进出口", "供应链"),
    "52": ("商贸", "超市", "零售"),
    "53": ("铁路物流",),
    "54": ("运输", "物流"),
    "55": ("航运", "船务"),
    "56": ("航空服务",),
    "57": ("管道运输",),
    "58": ("货运代理", "物流"),
    "59": ("仓储", "仓储物流"),
    "60": ("快递", "速递"),
    "61": ("酒店管理", "宾馆"),
    "62": ("餐饮管理", "餐饮"),
    "63": ("通信技术", "网络"),
    "64": ("网络科技", "互联网科技", "信息科技"),
    "65": ("软件", "信息技术", "数字科技"),
    "66": ("金融服务",),
    "67": ("投资管理", "资本"),
    "68": ("保险代理",),
    "69": ("金融信息服务",),
    "70": ("置业", "房地产开发", "物业管理"),
    "71": ("租赁", "设备租赁"),
    "72": ("商务咨询", "企业管理", "人力资源"),
    "73": ("技术研究", "研发"),
    "74": ("工程技术", "检测", "设计"),
    "75": ("科技", "技术服务"),
    "76": ("水利工程",),
    "77": ("环境工程", "生态环境"),
    "78": ("园林绿化", "市政服务"),
    "80": ("家政服务",),
    "81": ("汽车服务", "维修服务"),
    "82": ("生活服务",),
    "83": ("教育科技", "培训"),
    "84": ("医疗管理", "健康管理"),
    "85": ("养老服务",),
    "86": ("传媒", "出版"),
    "87": ("影视", "文化传媒"),
    "88": ("文化艺术", "文化发展"),
    "89": ("体育发展", "体育"),
    "90": ("娱乐",),
}

#: Industry words for the firms of a chain, found by a keyword of the chain's Chinese name.
CHAIN_WORDS: dict[str, tuple[str, ...]] = {
    "集成电路": ("微电子", "半导体", "集成电路", "芯片科技", "电子材料", "半导体设备", "芯片技术", "微系统"),
    "生物医药": ("生物医药", "生物科技", "制药", "医疗器械", "生物技术", "医药科技", "基因科技", "医疗科技"),
    "新能源汽车": (
        "新能源汽车",
        "动力电池",
        "汽车科技",
        "电驱动",
        "新能源科技",
        "储能",
        "汽车电子",
        "电池材料",
    ),
    "人工智能": (
        "智能科技",
        "人工智能",
        "机器人",
        "数据科技",
        "智能装备",
        "智能系统",
        "视觉科技",
        "算法科技",
    ),
    "": ("科技", "技术", "智能", "新材料"),
}

#: Technical objects for patent, paper and need titles, by the same chain keywords.
CHAIN_OBJECTS: dict[str, tuple[str, ...]] = {
    "集成电路": (
        "半导体封装结构",
        "芯片测试装置",
        "晶圆清洗设备",
        "存储器单元",
        "功率器件",
        "光刻胶组合物",
        "刻蚀工艺",
        "薄膜沉积设备",
        "模拟前端电路",
        "时钟电路",
        "键合装置",
        "硅片抛光液",
    ),
    "生物医药": (
        "抗体药物偶联物",
        "缓释制剂",
        "核酸检测试剂盒",
        "细胞培养基",
        "医用导管",
        "疫苗佐剂",
        "靶向给药系统",
        "手术器械",
        "体外诊断芯片",
        "中药提取工艺",
        "蛋白纯化方法",
        "医学影像设备",
    ),
    "新能源汽车": (
        "电池管理系统",
        "正极材料",
        "电机控制器",
        "充电桩",
        "热管理系统",
        "固态电解质",
        "车载电源",
        "电驱总成",
        "隔膜材料",
        "整车控制器",
        "轻量化车身",
        "换电装置",
    ),
    "人工智能": (
        "图像识别方法",
        "语音交互装置",
        "机器人关节",
        "神经网络加速器",
        "自动驾驶感知系统",
        "知识图谱构建方法",
        "目标检测模型",
        "智能巡检设备",
        "多模态大模型训练方法",
        "服务机器人",
        "数据标注平台",
    ),
    "": (
        "输送装置",
        "加工设备",
        "节能控制系统",
        "包装机构",
        "废水处理工艺",
        "纺织面料",
        "检测仪器",
        "阀门组件",
        "建筑模板",
        "冷却装置",
        "物流分拣系统",
        "复合材料",
    ),
}

MODIFIERS = (
    "高效",
    "低功耗",
    "高可靠性",
    "智能",
    "新型",
    "多功能",
    "高精度",
    "可调节",
    "一体化",
    "模块化",
    "低成本",
    "绿色",
    "柔性",
    "自适应",
    "便携式",
)
PATENT_SUFFIXES = ("", "", "及其制备方法", "及其应用", "的控制方法", "及系统", "的检测方法")
PAPER_PATTERNS = (
    "基于{m}的{o}研究",
    "{o}的{m}设计与实现",
    "{m}{o}的性能优化",
    "面向产业化的{o}关键技术",
    "长三角地区{o}产业协同研究",
)
NEED_WORDS = (
    "技术攻关",
    "工艺优化",
    "国产化替代",
    "性能提升",
    "可靠性提升",
    "检测方法开发",
    "关键材料研发",
    "联合开发",
)
FIELDS = (
    "电子科学与技术",
    "材料科学与工程",
    "计算机科学与技术",
    "控制科学与工程",
    "生物医学工程",
    "药学",
    "临床医学",
    "化学工程",
    "机械工程",
    "电气工程",
    "信息与通信工程",
    "管理科学与工程",
    "经济学",
)

SURNAMES = _chars(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
GIVEN = _chars(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建文斌宇浩凯健俊帆帅旭宁婷雪琳晨"
    "欣悦昊然梓涵子轩一诺思远志华晓东海燕嘉怡佳琪雨桐博文天佑瑞泽若曦诗涵梦瑶家豪振宇鑫磊立新国庆永"
    "春秋冬兰梅竹松柏清源"
)


def choose(rng: np.random.Generator, n: int, options: tuple | list, p=None) -> np.ndarray:
    """Indices into ``options`` for ``n`` draws (``p``: optional probabilities)."""
    return rng.choice(len(options), size=n, p=p)


def take(options, idx: np.ndarray) -> pa.Array:
    """``options[idx]`` as a pyarrow string array (``idx < 0`` gives null)."""
    idx = np.asarray(idx)
    arr = pa.array(list(options), pa.string()) if not isinstance(options, pa.Array) else options
    return pc.take(arr, pa.array(idx, mask=idx < 0))


def join(*parts, sep: str = "", skip_nulls: bool = False) -> pa.Array:
    """Concatenate string arrays (or scalars) element-wise; nulls propagate unless ``skip_nulls``."""
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip" if skip_nulls else "emit_null")


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` made-up Chinese personal names: a common surname and one or two given characters."""
    s = take(SURNAMES, choose(rng, n, SURNAMES))
    g1 = take(GIVEN, choose(rng, n, GIVEN))
    g2 = choose(rng, n, GIVEN)
    g2[rng.random(n) < 0.3] = -1
    return join(s, g1, take(GIVEN, g2), skip_nulls=True)


def unique_names(
    rng: np.random.Generator,
    group: np.ndarray,
    prefix: pa.Array,
    word: pa.Array,
    suffix: pa.Array,
    *,
    max_rounds: int = 60,
) -> pa.Array:
    """Names ``prefix + 字号 + word + suffix`` that are unique within the whole array.

    Parameters
    ----------
    group : numpy.ndarray of int
        One integer per name for the (prefix, word) combination; the 字号 is made unique within it.
    prefix, word, suffix : pyarrow.Array
        Parts of each name (e.g. city short name, industry word, legal form).

    Notes
    -----
    A 字号 is two characters of :data:`ZIHAO` (about 34 000 per combination) or, for names still colliding,
    three (about 6 million). Collisions are redrawn, vectorised, until none is left; the suffix does not
    count, so no two names differ only by legal form (the name key of ``model.names`` would merge them).
    """
    n = len(group)
    K = len(ZIHAO)
    c = rng.integers(0, K, size=(n, 3))
    c[:, 2] = -1
    group = np.asarray(group, dtype=np.int64)
    for round_ in range(max_rounds):
        z = np.where(c[:, 2] < 0, c[:, 0] * K + c[:, 1], K * K + (c[:, 0] * K + c[:, 1]) * K + c[:, 2])
        key = group * (K**3 + K * K) + z
        _, first = np.unique(key, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        m = int(dup.sum())
        c[dup] = rng.integers(0, K, size=(m, 3))
        # Later rounds move to three characters, which have room for any group size.
        c[dup, 2] = np.where(rng.random(m) < min(1.0, 0.25 + 0.15 * round_), c[dup, 2], -1)
    else:
        raise ConfigError("could not make unique names; choose a smaller dataset size or add 字号 characters")
    zh = join(take(ZIHAO, c[:, 0]), take(ZIHAO, c[:, 1]), take(ZIHAO, c[:, 2]), skip_nulls=True)
    return join(prefix, zh, word, suffix)
