# SG-Former-S, 256x192, COCO: no published result (SG-Former reports no pose numbers).
_base_ = '../_base_/td-hm_sgformer.py'
