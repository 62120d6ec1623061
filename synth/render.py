"""Rasterising gym scenes with OpenGL (moderngl on EGL: Mesa's llvmpipe on a CPU, a GPU where
there is one).

Glossary of shapes:
    - image height, width: H, W
    - vertex number: V
    - triangle number: F

A scene is a textured backdrop, a textured floor at z = 0, lit solids (the performer's body
mesh, equipment, props, a second person) and their planar shadows on the floor from one
directional light. `Renderer.render` returns the RGB image (H, W, 3) uint8 and the depth of
every pixel (H, W) in metres along the viewing axis, which the labels use for visibility.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import moderngl
import numpy as np
import scipy.sparse

from synth.camera import Camera
from synth.geometry import Box, Cylinder, Solid

_LIT_VERTEX = """
#version 330
uniform mat4 mvp;
in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
out vec3 v_normal;
out vec3 v_color;
out vec3 v_world;
void main() {
    gl_Position = mvp * vec4(in_position, 1.0);
    v_normal = in_normal;
    v_color = in_color;
    v_world = in_position;
}
"""

_LIT_FRAGMENT = """
#version 330
uniform vec3 light_dir;     // towards the light
uniform vec3 light_color;
uniform vec3 ambient;
uniform vec3 eye;
uniform float grain;        // fabric and skin texture strength
in vec3 v_normal;
in vec3 v_color;
in vec3 v_world;
out vec4 f_color;
float hash(vec3 p) {
    p = fract(p * 0.3183099 + 0.1);
    p *= 17.0;
    return fract(p.x * p.y * p.z * (p.x + p.y + p.z));
}
void main() {
    vec3 n = normalize(v_normal);
    vec3 to_eye = normalize(eye - v_world);
    if (dot(n, to_eye) < 0.0) n = -n;
    float diffuse = max(dot(n, light_dir), 0.0);
    vec3 half_vector = normalize(light_dir + to_eye);
    float specular = pow(max(dot(n, half_vector), 0.0), 24.0) * 0.15;
    float noise = hash(floor(v_world * 180.0)) - 0.5;
    vec3 albedo = v_color * (1.0 + grain * noise);
    f_color = vec4(albedo * (ambient + light_color * diffuse) + specular * light_color, 1.0);
}
"""

_SHADOW_FRAGMENT = """
#version 330
uniform float darkness;
out vec4 f_color;
void main() { f_color = vec4(0.0, 0.0, 0.0, darkness); }
"""

_SHADOW_VERTEX = """
#version 330
uniform mat4 mvp;
uniform vec3 light_dir;     // towards the light, light_dir.z > 0
in vec3 in_position;
void main() {
    vec3 p = in_position - light_dir * (in_position.z / light_dir.z);
    gl_Position = mvp * vec4(p.xy, 0.003, 1.0);
}
"""

_FLOOR_VERTEX = """
#version 330
uniform mat4 mvp;
in vec3 in_position;
out vec2 v_uv;
void main() {
    gl_Position = mvp * vec4(in_position, 1.0);
    v_uv = in_position.xy;
}
"""

_FLOOR_FRAGMENT = """
#version 330
uniform sampler2D floor_texture;
uniform float tile_metres;
uniform vec3 light_dir;
uniform vec3 light_color;
uniform vec3 ambient;
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec3 albedo = texture(floor_texture, v_uv / tile_metres).rgb;
    f_color = vec4(albedo * (ambient + light_color * max(light_dir.z, 0.0)), 1.0);
}
"""

_BACKDROP_VERTEX = """
#version 330
in vec2 in_position;
out vec2 v_uv;
void main() {
    gl_Position = vec4(in_position, 0.99999, 1.0);
    v_uv = vec2(in_position.x * 0.5 + 0.5, 0.5 - in_position.y * 0.5);
}
"""

_BACKDROP_FRAGMENT = """
#version 330
uniform sampler2D backdrop;
uniform float brightness;
in vec2 v_uv;
out vec4 f_color;
void main() { f_color = vec4(texture(backdrop, v_uv).rgb * brightness, 1.0); }
"""

FLOOR_HALF_SIZE = 40.0  # metres: the floor reaches the horizon in every view


@dataclass(frozen=True)
class Lighting:
    """One directional light (`direction` towards the light, unit (3,)) and ambient light."""

    direction: np.ndarray
    color: np.ndarray
    ambient: np.ndarray
    shadow_darkness: float

    @classmethod
    def sample(cls, rng: np.random.Generator, *, held_out: bool = False) -> Lighting:
        """A random light; `held_out` reaches dimmer, brighter and more coloured light."""
        elevation = math.radians(rng.uniform(15, 88) if held_out else rng.uniform(25, 85))
        azimuth = rng.uniform(0, 2 * math.pi)
        direction = np.array(
            [
                math.cos(azimuth) * math.cos(elevation),
                math.sin(azimuth) * math.cos(elevation),
                math.sin(elevation),
            ]
        )
        warmth = rng.uniform(-0.3, 0.3) if held_out else rng.uniform(-0.15, 0.15)
        intensity = rng.uniform(0.3, 1.2) if held_out else rng.uniform(0.45, 1.0)
        color = intensity * np.array([1 + warmth, 1.0, 1 - warmth])
        ambient_level = rng.uniform(0.1, 0.7) if held_out else rng.uniform(0.2, 0.55)
        ambient = ambient_level * np.array([1 - warmth / 2, 1.0, 1 + warmth / 2])
        return cls(direction, color, ambient, float(rng.uniform(0.15, 0.6)))


class MeshBuffers:
    """A triangle mesh on the GPU whose vertex positions change every frame."""

    def __init__(
        self,
        ctx: moderngl.Context,
        program: moderngl.Program,
        shadow_program: moderngl.Program,
        faces: np.ndarray,
        colors: np.ndarray,
    ):
        count = len(colors)
        self._faces = faces
        self._positions = ctx.buffer(reserve=count * 12, dynamic=True)
        self._normals = ctx.buffer(reserve=count * 12, dynamic=True)
        self._colors = ctx.buffer(colors.astype("f4").tobytes())
        index = ctx.buffer(faces.astype("i4").tobytes())
        self._buffers = (self._positions, self._normals, self._colors, index)
        self.vao = ctx.vertex_array(
            program,
            [
                (self._positions, "3f", "in_position"),
                (self._normals, "3f", "in_normal"),
                (self._colors, "3f", "in_color"),
            ],
            index_buffer=index,
        )
        self.shadow_vao = ctx.vertex_array(
            shadow_program, [(self._positions, "3f", "in_position")], index_buffer=index
        )
        # Vertex-by-face incidence: vertex normals are the sum of their faces' normals.
        rows = faces.reshape(-1)
        cols = np.repeat(np.arange(len(faces)), 3)
        self._incidence = scipy.sparse.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(count, len(faces))
        )

    def release(self) -> None:
        """Frees the GPU buffers."""
        for resource in (self.vao, self.shadow_vao, *self._buffers):
            resource.release()

    def update(self, vertices: np.ndarray) -> None:
        """Uploads vertex positions (V, 3) and their smooth normals."""
        v = vertices.astype(np.float32, copy=False)
        tri = v[self._faces]
        face_normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        normals = self._incidence @ face_normals
        normals /= np.linalg.norm(normals, axis=1, keepdims=True).clip(1e-9)
        self._positions.write(v.tobytes())
        self._normals.write(normals.astype(np.float32).tobytes())


def solid_triangles(solids: tuple[Solid, ...] | list[Solid]) -> np.ndarray:
    """Positions, normals and colours of solids as a flat triangle list (N, 9) float32."""
    parts = [_box(s) if isinstance(s, Box) else _cylinder(s) for s in solids]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, 9), np.float32)


def _box(box: Box) -> np.ndarray:
    center, half = np.asarray(box.center), np.asarray(box.size) / 2
    triangles = []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            normal = np.zeros(3)
            normal[axis] = sign
            u, v = np.eye(3)[(axis + 1) % 3], np.eye(3)[(axis + 2) % 3]
            corners = [
                center
                + normal * half[axis]
                + su * u * half[(axis + 1) % 3]
                + sv * v * half[(axis + 2) % 3]
                for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1))
            ]
            for a, b, c in ((0, 1, 2), (0, 2, 3)):
                triangles += [(*corners[i], *normal, *box.color) for i in (a, b, c)]
    return np.asarray(triangles)


def _cylinder(cylinder: Cylinder, segments: int = 16) -> np.ndarray:
    start, end = np.asarray(cylinder.start), np.asarray(cylinder.end)
    axis = end - start
    axis_unit = axis / np.linalg.norm(axis)
    helper = np.array([1.0, 0, 0]) if abs(axis_unit[0]) < 0.9 else np.array([0, 1.0, 0])
    u = np.cross(axis_unit, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis_unit, u)
    triangles = []
    for i in range(segments):
        a0, a1 = 2 * math.pi * i / segments, 2 * math.pi * (i + 1) / segments
        n0, n1 = math.cos(a0) * u + math.sin(a0) * v, math.cos(a1) * u + math.sin(a1) * v
        p = [
            start + cylinder.radius * n0,
            start + cylinder.radius * n1,
            end + cylinder.radius * n1,
            end + cylinder.radius * n0,
        ]
        normals = [n0, n1, n1, n0]
        for tri in ((0, 1, 2), (0, 2, 3)):
            triangles += [(*p[i], *normals[i], *cylinder.color) for i in tri]
        for center, normal, q0, q1 in (
            (start, -axis_unit, p[1], p[0]),
            (end, axis_unit, p[3], p[2]),
        ):
            triangles += [(*point, *normal, *cylinder.color) for point in (center, q0, q1)]
    return np.asarray(triangles)


@functools.cache
def gl_context() -> moderngl.Context:
    """The process's one offscreen OpenGL context (EGL).

    Every renderer draws in it: GL calls go to the context made current last, so two contexts
    in one thread would draw into each other's objects.
    """
    return moderngl.create_standalone_context(backend="egl")


class Renderer:
    """Draws W x H frames offscreen; reuse it for many clips of that size."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.ctx = gl_context()
        self._color = self.ctx.renderbuffer((width, height), 4)
        self._depth = self.ctx.depth_texture((width, height))
        self.fbo = self.ctx.framebuffer([self._color], self._depth)
        self.lit = self.ctx.program(vertex_shader=_LIT_VERTEX, fragment_shader=_LIT_FRAGMENT)
        self.shadow = self.ctx.program(
            vertex_shader=_SHADOW_VERTEX, fragment_shader=_SHADOW_FRAGMENT
        )
        self.floor = self.ctx.program(vertex_shader=_FLOOR_VERTEX, fragment_shader=_FLOOR_FRAGMENT)
        self.backdrop = self.ctx.program(
            vertex_shader=_BACKDROP_VERTEX, fragment_shader=_BACKDROP_FRAGMENT
        )
        quad = np.array([-1, -1, 1, -1, 1, 1, -1, -1, 1, 1, -1, 1], "f4")
        self._backdrop_vao = self.ctx.vertex_array(
            self.backdrop, [(self.ctx.buffer(quad.tobytes()), "2f", "in_position")]
        )
        s = FLOOR_HALF_SIZE
        floor = np.array([-s, -s, 0, s, -s, 0, s, s, 0, -s, -s, 0, s, s, 0, -s, s, 0], "f4")
        self._floor_vao = self.ctx.vertex_array(
            self.floor, [(self.ctx.buffer(floor.tobytes()), "3f", "in_position")]
        )
        self._textures: dict[str, moderngl.Texture] = {}
        self._solids: moderngl.VertexArray | None = None
        self._solids_shadow: moderngl.VertexArray | None = None
        self._solids_buffer: moderngl.Buffer | None = None

    def mesh(self, faces: np.ndarray, colors: np.ndarray) -> MeshBuffers:
        """GPU buffers for a mesh with per-vertex colours (V, 3) in [0, 1]."""
        return MeshBuffers(self.ctx, self.lit, self.shadow, faces, colors)

    def set_textures(self, backdrop: np.ndarray, floor: np.ndarray) -> None:
        """Sets the backdrop and floor images (RGB uint8)."""
        for name, image in (("backdrop", backdrop), ("floor", floor)):
            old = self._textures.pop(name, None)
            if old is not None:
                old.release()
            texture = self.ctx.texture(
                (image.shape[1], image.shape[0]), 3, np.ascontiguousarray(image).tobytes()
            )
            texture.build_mipmaps()
            texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            texture.repeat_x = texture.repeat_y = True
            self._textures[name] = texture

    def set_solids(self, solids: tuple[Solid, ...] | list[Solid]) -> None:
        """Sets the static solids (equipment, props) of the scene."""
        triangles = solid_triangles(solids)
        for resource in (self._solids, self._solids_shadow, self._solids_buffer):
            if resource is not None:
                resource.release()
        self._solids = self._solids_shadow = self._solids_buffer = None
        if len(triangles):
            self._solids, self._solids_shadow, self._solids_buffer = self._vertex_arrays(triangles)

    def _vertex_arrays(
        self, triangles: np.ndarray
    ) -> tuple[moderngl.VertexArray, moderngl.VertexArray, moderngl.Buffer]:
        """Lit and shadow vertex arrays over a triangle list from `solid_triangles`."""
        buffer = self.ctx.buffer(triangles.tobytes())
        lit = self.ctx.vertex_array(
            self.lit, [(buffer, "3f 3f 3f", "in_position", "in_normal", "in_color")]
        )
        shadow = self.ctx.vertex_array(self.shadow, [(buffer, "3f 12x 12x", "in_position")])
        return lit, shadow, buffer

    def render(
        self,
        camera: Camera,
        meshes: list[MeshBuffers],
        lighting: Lighting,
        *,
        floor_tile_metres: float = 1.5,
        backdrop_brightness: float = 1.0,
        grain: float = 0.15,
        moving: tuple[Solid, ...] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draws one frame; meshes must have been `update`d for it; `moving` are solids of
        this frame only (a barbell in the hands).

        Returns:
            The image (H, W, 3) uint8 and the depth (H, W) float32 in metres along the
            viewing axis (the far plane where nothing was drawn).
        """
        mvp = (camera.projection_matrix() @ camera.view_matrix()).T.astype("f4").tobytes()
        light = tuple(float(x) for x in lighting.direction)
        self.fbo.use()
        self.ctx.viewport = (0, 0, self.width, self.height)
        self.fbo.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
        self.ctx.enable(moderngl.DEPTH_TEST)
        self.ctx.disable(moderngl.BLEND | moderngl.CULL_FACE)

        self._textures["backdrop"].use(0)
        self.backdrop["backdrop"] = 0
        self.backdrop["brightness"] = backdrop_brightness
        self.ctx.depth_mask = False
        self._backdrop_vao.render()
        self.ctx.depth_mask = True

        self._textures["floor"].use(1)
        self.floor["floor_texture"] = 1
        self.floor["mvp"].write(mvp)
        self.floor["tile_metres"] = floor_tile_metres
        self._set_light(self.floor, lighting, light)
        self._floor_vao.render()

        # Shadows: a triangle on top of another at the same depth fails LESS, so overlapping
        # shadow triangles never darken twice.
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.shadow["mvp"].write(mvp)
        self.shadow["light_dir"] = light
        self.shadow["darkness"] = lighting.shadow_darkness
        for vao in [m.shadow_vao for m in meshes] + [self._solids_shadow]:
            if vao is not None:
                vao.render()
        self.ctx.disable(moderngl.BLEND)

        moving_vaos = self._vertex_arrays(solid_triangles(moving)) if moving else None
        if moving_vaos is not None:
            self.ctx.enable(moderngl.BLEND)
            moving_vaos[1].render()
            self.ctx.disable(moderngl.BLEND)
        self.lit["mvp"].write(mvp)
        self.lit["eye"] = tuple(float(x) for x in camera.position)
        self.lit["grain"] = grain
        self._set_light(self.lit, lighting, light)
        for vao in [m.vao for m in meshes] + [self._solids]:
            if vao is not None:
                vao.render()
        if moving_vaos is not None:
            moving_vaos[0].render()
            for resource in moving_vaos:
                resource.release()

        image = np.frombuffer(self.fbo.read(components=3), np.uint8)
        image = image.reshape(self.height, self.width, 3)[::-1]
        depth_buffer = np.frombuffer(self._depth.read(), np.float32).reshape(
            self.height, self.width
        )[::-1]
        return np.ascontiguousarray(image), _linear_depth(depth_buffer, camera)

    @staticmethod
    def _set_light(program: moderngl.Program, lighting: Lighting, light: tuple[float, ...]) -> None:
        program["light_dir"] = light
        program["light_color"] = tuple(float(x) for x in lighting.color)
        program["ambient"] = tuple(float(x) for x in lighting.ambient)

    def release(self) -> None:
        """Frees this renderer's framebuffer, textures and solids (the shared context stays)."""
        self.set_solids([])
        for texture in self._textures.values():
            texture.release()
        self._textures.clear()
        self.fbo.release()
        self._color.release()
        self._depth.release()


def _linear_depth(buffer: np.ndarray, camera: Camera) -> np.ndarray:
    """Window depth in [0, 1] to metres along the viewing axis."""
    z_ndc = buffer * 2.0 - 1.0
    near, far = camera.near, camera.far
    return (2.0 * near * far / (far + near - z_ndc * (far - near))).astype(np.float32)
