"""The COCO-17 skeleton tables and their mapping to `fitness.v1.Joint`."""

from __future__ import annotations

import pytest

from common import skeleton
from common.fitness.v1 import common_pb2


def test_there_are_seventeen_keypoints_in_coco_order():
    assert skeleton.NUM_KEYPOINTS == 17
    assert skeleton.KEYPOINT_NAMES[0] == "nose"
    assert skeleton.KEYPOINT_NAMES[-1] == "right_ankle"


def test_flip_pairs_join_each_left_joint_to_its_right_twin():
    for left, right in skeleton.FLIP_PAIRS:
        left_name, right_name = skeleton.KEYPOINT_NAMES[left], skeleton.KEYPOINT_NAMES[right]
        assert left_name.startswith("left_")
        assert right_name == left_name.replace("left_", "right_")


def test_flipping_twice_is_the_identity():
    once = [skeleton.FLIP_INDEX[i] for i in range(17)]
    assert [skeleton.FLIP_INDEX[i] for i in once] == list(range(17))
    assert skeleton.FLIP_INDEX[0] == 0


def test_limbs_connect_every_keypoint():
    touched = {i for limb in skeleton.LIMBS for i in limb}
    assert touched == set(range(17))


def test_every_keypoint_maps_to_its_proto_joint_and_back():
    for index, name in enumerate(skeleton.KEYPOINT_NAMES):
        joint = skeleton.joint_of(index)
        assert common_pb2.Joint.Name(joint) == f"JOINT_{name.upper()}"
        assert skeleton.index_of(joint) == index


def test_the_proto_enum_lists_exactly_the_keypoints():
    names = [v.name for v in common_pb2.Joint.DESCRIPTOR.values if v.number > 0]
    assert names == [f"JOINT_{n.upper()}" for n in skeleton.KEYPOINT_NAMES]


@pytest.mark.parametrize("index", [-1, 17])
def test_an_index_outside_the_skeleton_is_refused(index):
    with pytest.raises(ValueError, match="keypoint index"):
        skeleton.joint_of(index)


def test_the_unspecified_joint_has_no_index():
    with pytest.raises(ValueError, match="not a keypoint joint"):
        skeleton.index_of(common_pb2.JOINT_UNSPECIFIED)
